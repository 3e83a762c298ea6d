//! Storage migrations of the registry, run by the runtime on upgrade.

use crate::*;
use frame_support::{
	migrations::VersionedMigration,
	traits::{Get, UncheckedOnRuntimeUpgrade},
	weights::Weight,
};

/// Version 0 → 1: a provider's attributes leave its record for [`ProviderAttributes`], so that
/// leasing capacity reads and writes a small record.
pub mod v1 {
	use super::*;

	/// The step itself, unversioned; runtimes use [`MigrateToV1`].
	pub struct SplitAttributes<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for SplitAttributes<T> {
		fn on_runtime_upgrade() -> Weight {
			// One pass over the registry, in the upgrade's block: the registry holds providers,
			// not tenants' records, and a runtime upgrade is the one block that may take it.
			let mut moved = 0u64;
			Providers::<T>::translate::<ProviderInfoOf<T>, _>(|who, old| {
				moved = moved.saturating_add(1);
				let (record, attributes) = old.split();
				if !attributes.is_empty() {
					ProviderAttributes::<T>::insert(&who, attributes);
				}
				Some(record)
			});
			T::DbWeight::get().reads_writes(moved, moved.saturating_mul(2))
		}
	}

	/// Version 0 → 1, run once: skipped unless the stored version is 0, which it then sets to 1.
	pub type MigrateToV1<T> = VersionedMigration<
		0,
		1,
		SplitAttributes<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::mock::*;
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	use nubes_primitives::{Attribute, ProviderStatus, Resources};

	#[test]
	fn v1_moves_the_attributes_out_of_the_record() {
		new_test_ext().execute_with(|| {
			let attributes: nubes_primitives::Attributes = vec![Attribute {
				key: b"gpu".to_vec().try_into().unwrap(),
				value: b"a100".to_vec().try_into().unwrap(),
			}]
			.try_into()
			.unwrap();
			let old = ProviderInfoOf::<Test> {
				endpoint: b"http://a.example".to_vec().try_into().unwrap(),
				region: b"eu".to_vec().try_into().unwrap(),
				attributes: attributes.clone(),
				offered: Resources { cpu_millicores: 4_000, ..Resources::ZERO },
				allocated: Resources::ZERO,
				prices: Default::default(),
				status: ProviderStatus::Active,
				reputation: Default::default(),
				registered_at: 3,
			};
			// Two providers as version 0 stored them: one with attributes, one without.
			frame_support::storage::unhashed::put(
				&crate::Providers::<Test>::hashed_key_for(1),
				&old,
			);
			let bare = ProviderInfoOf::<Test> { attributes: Default::default(), ..old.clone() };
			frame_support::storage::unhashed::put(
				&crate::Providers::<Test>::hashed_key_for(2),
				&bare,
			);
			StorageVersion::new(0).put::<Pallet<Test>>();

			v1::MigrateToV1::<Test>::on_runtime_upgrade();

			assert_eq!(Pallet::<Test>::on_chain_storage_version(), 1);
			assert_eq!(Pallet::<Test>::info(&1), Some(old.clone()));
			assert_eq!(ProviderAttributes::<Test>::get(1), attributes);
			assert_eq!(Pallet::<Test>::info(&2), Some(bare));
			assert!(!ProviderAttributes::<Test>::contains_key(2), "no entry for no attributes");
			// Run again, it does nothing.
			let before = crate::Providers::<Test>::get(1);
			v1::MigrateToV1::<Test>::on_runtime_upgrade();
			assert_eq!(crate::Providers::<Test>::get(1), before);
		});
	}
}
