//! Genesis presets: `development` (Alice alone authors and finalizes) and `local_testnet` (Alice,
//! Bob, Charlie and Dave validate). Both fund the well-known dev accounts and make Alice sudo.

use crate::{
	configs::TreasuryAccount, AccountId, BalancesConfig, PaymentsConfig, ProviderStakeConfig,
	RuntimeGenesisConfig, SudoConfig, EXISTENTIAL_DEPOSIT, MILLI_UNIT, UNIT,
};
use alloc::{vec, vec::Vec};
use frame_support::build_struct_json_patch;
use nubes_primitives::ResourcePrices;
use pallet_provider_stake::BondParams;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};
use sp_runtime::Perbill;

/// What each well-known dev account starts with: one million NUBES.
pub const DEV_ENDOWMENT: crate::Balance = 1_000_000 * UNIT;

/// The bond offered capacity requires on dev and test networks: 100 NUBES, plus 10 NUBES per
/// core, 1 NUBES per GiB of memory, 0.1 NUBES per GiB of storage and 500 NUBES per GPU.
pub fn bond_requirement() -> BondParams<crate::Balance> {
	BondParams {
		base: 100 * UNIT,
		per_unit: ResourcePrices {
			per_cpu_millicore: 10 * MILLI_UNIT,
			per_memory_mib: MILLI_UNIT,
			per_storage_gib: 100 * MILLI_UNIT,
			per_gpu: 500 * UNIT,
		},
	}
}

/// Share of every lease payment that goes to the protocol treasury on dev and test networks.
pub const PROTOCOL_FEE: Perbill = Perbill::from_percent(2);

/// A validator's consensus keys: Aura (sr25519) and GRANDPA (ed25519) of the same dev name.
fn authority_keys(aura: Sr25519Keyring, grandpa: Ed25519Keyring) -> (AuraId, GrandpaId) {
	(aura.public().into(), grandpa.public().into())
}

/// The genesis patch shared by the dev and test presets.
fn testnet_genesis(
	authorities: Vec<(AuraId, GrandpaId)>,
	root: AccountId,
	timing: pallet_attestation::Timing,
	parameters: pallet_attestation::Parameters,
) -> Value {
	let mut endowed: Vec<(AccountId, crate::Balance)> =
		Sr25519Keyring::well_known().map(|k| (k.to_account_id(), DEV_ENDOWMENT)).collect();
	// The treasury exists from genesis so that slashes and fees of any size can reach it.
	endowed.push((TreasuryAccount::get(), EXISTENTIAL_DEPOSIT));
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances: endowed },
		aura: pallet_aura::GenesisConfig {
			authorities: authorities.iter().map(|(aura, _)| aura.clone()).collect::<Vec<_>>(),
		},
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: authorities.iter().map(|(_, gran)| (gran.clone(), 1)).collect::<Vec<_>>(),
		},
		sudo: SudoConfig { key: Some(root) },
		provider_stake: ProviderStakeConfig { bond_requirement: bond_requirement() },
		payments: PaymentsConfig { protocol_fee: PROTOCOL_FEE },
		// Each validator's `nubs` key is its Aura key's sr25519 public key (same dev seed).
		attestation: pallet_attestation::GenesisConfig {
			validators: authorities
				.iter()
				.map(|(aura, _)| {
					pallet_attestation::crypto::Public::from(sp_core::sr25519::Public::from(
						aura.clone(),
					))
				})
				.collect::<Vec<_>>(),
			timing: Some(timing),
			parameters: Some(parameters),
		},
	})
}

/// Single-validator development chain: Alice authors, finalizes and is sudo.
pub fn development_config_genesis() -> Value {
	testnet_genesis(
		vec![authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Sr25519Keyring::Alice.to_account_id(),
		crate::configs::DevelopmentTiming::get(),
		crate::configs::AttestationParameters::get(),
	)
}

/// Four-validator local test network: Alice, Bob, Charlie and Dave.
pub fn local_config_genesis() -> Value {
	testnet_genesis(
		vec![
			authority_keys(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			authority_keys(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			authority_keys(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			authority_keys(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
		],
		Sr25519Keyring::Alice.to_account_id(),
		crate::configs::LiveTiming::get(),
		crate::configs::LiveAttestationParameters::get(),
	)
}

/// The JSON genesis patch of a named preset, if the runtime knows it.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	serde_json::to_vec(&patch).ok()
}

/// Names of the presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::{configs::TreasuryAccount, Runtime};
	use frame_support::genesis_builder_helper::build_state;

	/// Applies a JSON patch onto a full config, as the node does with a preset.
	fn merge(base: &mut Value, patch: Value) {
		match (base, patch) {
			(Value::Object(base), Value::Object(patch)) => {
				for (key, value) in patch {
					merge(base.entry(key).or_insert(Value::Null), value);
				}
			}
			(base, patch) => *base = patch,
		}
	}

	/// Builds the state of a preset over the default config and runs `check` in it.
	fn with_preset(name: &str, check: impl FnOnce()) {
		let patch: Value =
			serde_json::from_slice(&get_preset(&name.into()).expect("the preset exists")).unwrap();
		let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).unwrap();
		merge(&mut config, patch);
		let mut ext = sp_io::TestExternalities::default();
		ext.execute_with(|| {
			build_state::<RuntimeGenesisConfig>(serde_json::to_vec(&config).unwrap())
				.expect("the preset builds");
			check();
		});
	}

	#[test]
	fn development_has_one_authority_and_funded_dev_accounts() {
		with_preset(sp_genesis_builder::DEV_RUNTIME_PRESET, || {
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 1);
			assert_eq!(
				pallet_balances::Pallet::<Runtime>::free_balance(
					Sr25519Keyring::Bob.to_account_id()
				),
				DEV_ENDOWMENT
			);
			assert_eq!(
				pallet_balances::Pallet::<Runtime>::free_balance(TreasuryAccount::get()),
				EXISTENTIAL_DEPOSIT
			);
			assert_eq!(
				pallet_provider_stake::BondRequirement::<Runtime>::get(),
				bond_requirement()
			);
			assert_eq!(
				pallet_sudo::Key::<Runtime>::get(),
				Some(Sr25519Keyring::Alice.to_account_id())
			);
		});
	}

	#[test]
	fn local_testnet_has_four_validators() {
		with_preset(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET, || {
			assert_eq!(pallet_aura::Authorities::<Runtime>::get().len(), 4);
			assert_eq!(pallet_grandpa::Pallet::<Runtime>::grandpa_authorities().len(), 4);
			assert_eq!(pallet_attestation::Validators::<Runtime>::get().len(), 4);
			// Hour-long epochs, as a live chain has them.
			assert_eq!(pallet_attestation::Pallet::<Runtime>::epoch_length(0), 1_200);
			assert_eq!(pallet_attestation::Params::<Runtime>::get().exit_faults, 6);
		});
	}

	#[test]
	fn unknown_presets_are_refused() {
		assert!(get_preset(&"mainnet".into()).is_none());
		assert_eq!(preset_names().len(), 2);
	}
}
