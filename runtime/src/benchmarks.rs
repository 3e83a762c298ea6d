//! The pallets whose calls `frame-omni-bencher` measures in this runtime.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_balances, Balances]
	[pallet_timestamp, Timestamp]
	[pallet_sudo, Sudo]
	[pallet_provider_stake, ProviderStake]
	[pallet_providers, Providers]
	[pallet_payments, Payments]
	[pallet_market, Market]
	[pallet_attestation, Attestation]
	[pallet_storage_deals, StorageDeals]
	[pallet_names, Names]
);
