//! The node's JSON-RPC extensions beyond Substrate's defaults: account nonces
//! (`system_accountNextIndex`), fee queries (`payment_*`), the Nubes registry and market (`nubes_*`), and
//! on a dev chain the manual-seal engine (`engine_createBlock`, `engine_finalizeBlock`) so tools
//! can make blocks on demand.

pub mod market;
pub mod providers;

use std::sync::Arc;

use futures::channel::mpsc;
use jsonrpsee::RpcModule;
use nubes_runtime::{opaque::Block, AccountId, Balance, BlockNumber, Nonce};
use sc_consensus_manual_seal::{
	rpc::{ManualSeal, ManualSealApiServer},
	EngineCommand,
};
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};

/// What the RPC extensions need from the node.
pub struct FullDeps<C, P> {
	/// The client, to call runtime APIs.
	pub client: Arc<C>,
	/// The transaction pool, for pending nonces.
	pub pool: Arc<P>,
	/// The manual-seal engine's command channel, present on a dev chain only.
	pub manual_seal: Option<mpsc::Sender<EngineCommand<nubes_runtime::opaque::Hash>>>,
}

/// Builds the RPC extensions.
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>
		+ pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>
		+ pallet_providers_runtime_api::ProvidersApi<Block, AccountId, Balance, BlockNumber>
		+ pallet_market_runtime_api::MarketApi<Block, AccountId, Balance, BlockNumber>
		+ BlockBuilder<Block>,
	P: TransactionPool + 'static,
{
	use market::{Market, MarketRpcServer};
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use providers::{Providers, ProvidersRpcServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let FullDeps { client, pool, manual_seal } = deps;
	let mut module = RpcModule::new(());
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(Providers::new(client.clone()).into_rpc())?;
	module.merge(Market::new(client).into_rpc())?;
	if let Some(sender) = manual_seal {
		module.merge(ManualSeal::new(sender).into_rpc())?;
	}
	Ok(module)
}
