//! Storage migrations of the market, run by the runtime on upgrade.

use crate::*;
use codec::Decode;
use frame_support::{
	migrations::VersionedMigration,
	traits::{fungible::MutateHold, tokens::Precision, Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use nubes_primitives::{Placement, Resources};

/// Version 0 → 1: an order's placement leaves its record for [`Placements`], and its storage
/// deposit joins its escrow under the `OrderEscrow` hold.
pub mod v1 {
	use super::*;

	/// An order as version 0 stored it: the placement inline, the deposit under
	/// `StorageDeposit`.
	#[derive(Decode)]
	struct OldOrder<AccountId, Balance, BlockNumber> {
		tenant: AccountId,
		spec: Resources,
		replicas: u32,
		max_price: Balance,
		duration: Option<BlockNumber>,
		placement: Placement<AccountId>,
		manifest_hash: ManifestHash,
		bid_window_end: BlockNumber,
		auto_accept: bool,
		escrow_per_replica: Balance,
		leases: u32,
		deposit: Balance,
	}

	type OldOrderOf<T> =
		OldOrder<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

	/// The step itself, unversioned; runtimes use [`MigrateToV1`].
	pub struct SplitPlacements<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for SplitPlacements<T> {
		fn on_runtime_upgrade() -> Weight {
			// One pass over the open orders, in the upgrade's block: an order lives for its bid
			// window and acceptance period only, and each holds a deposit.
			let mut orders = 0u64;
			Orders::<T>::translate::<OldOrderOf<T>, _>(|id, old| {
				orders = orders.saturating_add(1);
				if !old.placement.admits_any() {
					Placements::<T>::insert(id, old.placement);
				}
				// Released and held again at once: the free balance ends where it was.
				let moved = T::Currency::release(
					&HoldReason::StorageDeposit.into(),
					&old.tenant,
					old.deposit,
					Precision::BestEffort,
				)
				.unwrap_or_default();
				let _ = T::Currency::hold(&HoldReason::OrderEscrow.into(), &old.tenant, moved);
				Some(OrderOf::<T> {
					tenant: old.tenant,
					spec: old.spec,
					replicas: old.replicas,
					max_price: old.max_price,
					duration: old.duration,
					manifest_hash: old.manifest_hash,
					bid_window_end: old.bid_window_end,
					auto_accept: old.auto_accept,
					escrow_per_replica: old.escrow_per_replica,
					leases: old.leases,
					deposit: moved,
				})
			});
			// Per order: its record, the tenant's account and both holds read and written.
			T::DbWeight::get().reads_writes(orders.saturating_mul(3), orders.saturating_mul(4))
		}
	}

	/// Version 0 → 1, run once: skipped unless the stored version is 0, which it then sets to 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		SplitPlacements<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{mock::*, tests::*};
	use codec::Encode;
	use frame_support::assert_ok;
	use frame_support::traits::{
		fungible::InspectHold, GetStorageVersion, OnRuntimeUpgrade, StorageVersion,
	};

	/// An order as version 0 encoded it.
	#[derive(Encode)]
	struct V0Order {
		tenant: AccountId,
		spec: Resources,
		replicas: u32,
		max_price: Balance,
		duration: Option<u64>,
		placement: Placement<AccountId>,
		manifest_hash: ManifestHash,
		bid_window_end: u64,
		auto_accept: bool,
		escrow_per_replica: Balance,
		leases: u32,
		deposit: Balance,
	}

	#[test]
	fn v1_moves_placements_out_and_deposits_into_the_order_hold() {
		new_test_ext().execute_with(|| {
			let placement = Placement {
				regions: vec![b"eu-central".to_vec().try_into().unwrap()].try_into().unwrap(),
				..Default::default()
			};
			let v0 = |placement: Placement<AccountId>| V0Order {
				tenant: TENANT,
				spec: spec(),
				replicas: 2,
				max_price: 3_000,
				duration: None,
				placement,
				manifest_hash: [1; 32],
				bid_window_end: 11,
				auto_accept: false,
				escrow_per_replica: 10 * RATE,
				leases: 0,
				deposit: ORDER_DEPOSIT,
			};
			// Two open orders as version 0 kept them: escrow and deposit under two holds.
			for (id, placement) in [(0u64, placement.clone()), (1, Placement::default())] {
				frame_support::storage::unhashed::put_raw(
					&Orders::<Test>::hashed_key_for(id),
					&v0(placement).encode(),
				);
				assert_ok!(<Balances as MutateHold<_>>::hold(
					&HoldReason::OrderEscrow.into(),
					&TENANT,
					2 * 10 * RATE
				));
				assert_ok!(<Balances as MutateHold<_>>::hold(
					&HoldReason::StorageDeposit.into(),
					&TENANT,
					ORDER_DEPOSIT
				));
			}
			let free_before = free(TENANT);
			StorageVersion::new(0).put::<Pallet<Test>>();

			v1::MigrateToV1::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(Placements::<Test>::get(0), Some(placement));
			assert!(!Placements::<Test>::contains_key(1), "none stored for the default");
			let order = Orders::<Test>::get(0).expect("decodes as version 1");
			assert_eq!(
				(order.replicas, order.deposit, order.bid_window_end),
				(2, ORDER_DEPOSIT, 11)
			);
			assert_eq!(
				Balances::balance_on_hold(&HoldReason::OrderEscrow.into(), &TENANT),
				2 * (2 * 10 * RATE + ORDER_DEPOSIT)
			);
			assert_eq!(Balances::balance_on_hold(&HoldReason::StorageDeposit.into(), &TENANT), 0);
			assert_eq!(free(TENANT), free_before, "nothing moved but the hold's reason");
			check();
			// The migrated order ends as any other: everything it holds comes back.
			assert_ok!(Market::cancel_order(signed(TENANT), 0));
			assert_ok!(Market::cancel_order(signed(TENANT), 1));
			assert_eq!(Balances::balance_on_hold(&HoldReason::OrderEscrow.into(), &TENANT), 0);
			check();
		});
	}
}
