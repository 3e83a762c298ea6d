//! Which validators challenge which provider in an epoch, in closed form.
//!
//! Every provider holds a slot in a dense index kept by the registry (`0..slots`, stable within
//! an epoch). At the epoch's start its validators are put in an order drawn from the seed; the
//! provider in slot `p` is assigned the `redundancy` validators at positions `p mod V`,
//! `p + 1 mod V`, … of that order. So validator `j` is assigned exactly the slots whose residue
//! mod `V` is one of `j`, `j - 1`, …, `j - redundancy + 1`, and can list them without looking at
//! any other provider: its work is its share, `slots × redundancy / V`, whatever the registry's
//! size. Since the order is reshuffled every epoch, the validators of one residue class are a
//! fresh uniformly drawn group of consecutive positions each epoch: no provider can choose its
//! checkers, and checking one assignment costs a remainder.

use alloc::vec::Vec;
use codec::Encode;

/// The order of the epoch's validators: by the hash of each key with the seed.
pub fn shuffle<K: Encode>(seed: &[u8; 32], validators: &mut [K]) {
	validators.sort_by_cached_key(|key| {
		crate::hashing::blake2_256(&(b"nubes/order", seed, key).encode())
	});
}

/// How many validators each provider has: `redundancy`, or all of them if fewer.
pub fn group_size(validators: u32, redundancy: u32) -> u32 {
	redundancy.min(validators)
}

/// The positions (into the epoch's validator order of `validators` entries) of the validators
/// assigned to the provider in `slot`.
pub fn assigned(slot: u32, validators: u32, redundancy: u32) -> Vec<u32> {
	if validators == 0 {
		return Vec::new();
	}
	let first = slot % validators;
	(0..group_size(validators, redundancy)).map(|k| (first + k) % validators).collect()
}

/// Whether validator `index` is among those assigned to the provider in `slot`.
pub fn is_assigned(slot: u32, validators: u32, redundancy: u32, index: u32) -> bool {
	if index >= validators {
		return false;
	}
	let first = slot % validators;
	let offset = (index + validators - first) % validators;
	offset < group_size(validators, redundancy)
}

/// The slots assigned to validator `index` among `slots`, in ascending order: the `n`-th is
/// [`nth_slot`]`(n)`, and there are [`share`] of them.
///
/// Enumerated by rounds of `V` slots: round `m` holds, for each of the validator's residues
/// `r` (in ascending order), slot `m·V + r`.
pub fn nth_slot(index: u32, validators: u32, redundancy: u32, n: u32) -> Option<u64> {
	let residues = residues(index, validators, redundancy);
	let per_round = residues.len() as u32;
	if per_round == 0 {
		return None;
	}
	let round = u64::from(n / per_round);
	let residue = residues[(n % per_round) as usize];
	Some(round * u64::from(validators) + u64::from(residue))
}

/// Slots of residue `residue` mod `validators` among `slots` slots.
fn slots_of_residue(residue: u32, validators: u32, slots: u32) -> u32 {
	slots / validators + u32::from(residue < slots % validators)
}

/// The slots validator `index` challenges among `slots`, in the order its worker takes them:
/// turn by turn, where in turn `k` it is the `k`-th validator of the slots (those of residue
/// `index − k`), each turn in ascending order. A slot's validators reach it in different
/// turns (its first validator in turn 0, its second in turn 1, ...), so a worker that never
/// mixes two turns in one page never makes one provider answer two validators at once.
/// `None` past its share.
pub fn nth_in_turn(
	index: u32,
	validators: u32,
	redundancy: u32,
	slots: u32,
	n: u32,
) -> Option<u64> {
	if index >= validators {
		return None;
	}
	let mut n = n;
	for turn in 0..group_size(validators, redundancy) {
		let residue = (index + validators - turn) % validators;
		let count = slots_of_residue(residue, validators, slots);
		if n < count {
			return Some(u64::from(n) * u64::from(validators) + u64::from(residue));
		}
		n -= count;
	}
	None
}

/// The turn holding position `n` of [`nth_in_turn`]'s order, and where it ends (its last
/// position plus one); `None` past the share.
pub fn turn_at(
	index: u32,
	validators: u32,
	redundancy: u32,
	slots: u32,
	n: u32,
) -> Option<(u32, u32)> {
	if validators == 0 {
		return None;
	}
	let mut end = 0u32;
	for turn in 0..group_size(validators, redundancy) {
		let residue = (index + validators - turn) % validators;
		end = end.saturating_add(slots_of_residue(residue, validators, slots));
		if n < end {
			return Some((turn, end));
		}
	}
	None
}

/// How many of `slots` slots validator `index` is assigned.
pub fn share(index: u32, validators: u32, redundancy: u32, slots: u32) -> u32 {
	if validators == 0 {
		return 0;
	}
	let full_rounds = slots / validators;
	let rest = slots % validators;
	residues(index, validators, redundancy).iter().map(|&r| full_rounds + u32::from(r < rest)).sum()
}

/// The residues mod `validators` of the slots validator `index` checks, ascending.
fn residues(index: u32, validators: u32, redundancy: u32) -> Vec<u32> {
	if index >= validators {
		return Vec::new();
	}
	let mut residues: Vec<u32> = (0..group_size(validators, redundancy))
		.map(|k| (index + validators - k) % validators)
		.collect();
	residues.sort_unstable();
	residues
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn deterministic_distinct_and_bounded() {
		let a = assigned(11, 7, 3);
		assert_eq!(a, vec![4, 5, 6]);
		assert_eq!(assigned(13, 7, 3), vec![6, 0, 1]);
		// Fewer validators than the redundancy: every one of them.
		let mut small = assigned(5, 2, 3);
		small.sort();
		assert_eq!(small, vec![0, 1]);
		assert!(assigned(5, 0, 3).is_empty());
	}

	#[test]
	fn membership_agrees_with_the_list() {
		for slot in 0..200u32 {
			for validators in [1u32, 2, 3, 5, 64] {
				let list = assigned(slot, validators, 3);
				for index in 0..validators + 1 {
					assert_eq!(is_assigned(slot, validators, 3, index), list.contains(&index));
				}
			}
		}
	}

	#[test]
	fn a_validator_lists_exactly_its_slots_in_order() {
		for validators in [1u32, 2, 3, 4, 7, 10, 64] {
			for redundancy in [1u32, 2, 3, 5] {
				for slots in [0u32, 1, 5, 63, 64, 65, 200] {
					for index in 0..validators {
						let expected: Vec<u64> = (0..slots)
							.filter(|&p| is_assigned(p, validators, redundancy, index))
							.map(u64::from)
							.collect();
						let count = share(index, validators, redundancy, slots);
						let listed: Vec<u64> = (0..count)
							.map(|n| nth_slot(index, validators, redundancy, n).unwrap())
							.collect();
						assert_eq!(listed, expected, "V {validators} R {redundancy} N {slots}");
						// The next one past the share is out of range.
						let next = nth_slot(index, validators, redundancy, count).unwrap();
						assert!(next >= u64::from(slots));
					}
				}
			}
		}
		assert_eq!(nth_slot(3, 3, 1, 0), None);
	}

	#[test]
	fn turns_list_the_same_slots_and_keep_a_slots_validators_apart() {
		for validators in [1u32, 2, 3, 4, 7, 10, 64] {
			for redundancy in [1u32, 2, 3] {
				for slots in [0u32, 1, 5, 63, 64, 65, 200] {
					let group = group_size(validators, redundancy);
					// Per slot, the turn in which each of its validators reaches it.
					let mut turns_of: Vec<Vec<u32>> = vec![Vec::new(); slots as usize];
					for index in 0..validators {
						let count = share(index, validators, redundancy, slots);
						let listed: Vec<u64> = (0..count)
							.map(|n| nth_in_turn(index, validators, redundancy, slots, n).unwrap())
							.collect();
						assert_eq!(nth_in_turn(index, validators, redundancy, slots, count), None);
						let mut sorted = listed.clone();
						sorted.sort();
						let expected: Vec<u64> = (0..slots)
							.filter(|&p| is_assigned(p, validators, redundancy, index))
							.map(u64::from)
							.collect();
						assert_eq!(sorted, expected, "V {validators} R {redundancy} N {slots}");
						// Turns are contiguous runs, growing from run to run; a slot's turn is
						// its validator's place in the slot's group.
						let mut start = 0;
						let mut last_turn = None;
						while start < count {
							let (turn, end) =
								turn_at(index, validators, redundancy, slots, start).unwrap();
							assert!(end > start && end <= count);
							assert!(last_turn.is_none_or(|last| last < turn));
							for n in start..end {
								let at = turn_at(index, validators, redundancy, slots, n);
								assert_eq!(at, Some((turn, end)));
								let slot = listed[n as usize] as u32;
								let place = assigned(slot, validators, redundancy)
									.iter()
									.position(|&v| v == index)
									.unwrap() as u32;
								assert_eq!(place, turn);
								turns_of[slot as usize].push(place);
							}
							last_turn = Some(turn);
							start = end;
						}
						assert_eq!(turn_at(index, validators, redundancy, slots, count), None);
					}
					for turns in &mut turns_of {
						turns.sort();
						assert_eq!(*turns, (0..group).collect::<Vec<_>>(), "each turn once");
					}
				}
			}
		}
	}

	#[test]
	fn the_order_is_drawn_from_the_seed() {
		let mut a: Vec<u32> = (0..16).collect();
		let mut b = a.clone();
		shuffle(&[1; 32], &mut a);
		shuffle(&[2; 32], &mut b);
		assert_ne!(a, b);
		let mut sorted = a.clone();
		sorted.sort();
		assert_eq!(sorted, (0..16).collect::<Vec<_>>());
	}

	#[test]
	fn load_spreads_evenly() {
		// 10,000 providers, 100 validators, 3 each: 300 per validator, within one.
		let load: Vec<u32> = (0..100).map(|j| share(j, 100, 3, 10_000)).collect();
		assert_eq!(load.iter().sum::<u32>(), 30_000);
		assert!(load.iter().all(|&l| l == 300), "{load:?}");
		let load: Vec<u32> = (0..7).map(|j| share(j, 7, 3, 1_000)).collect();
		assert_eq!(load.iter().sum::<u32>(), 3_000);
		assert!(load.iter().all(|&l| (428..=429).contains(&l)), "{load:?}");
	}
}
