//! Names: what a name points to as of the last finalized block, and the calls that register,
//! point, transfer, renew and release it (`pallet-names`). What a gateway reads to serve
//! `{name}.{domain}`, and what `nubes name` and `nubes site deploy` send.

use crate::{
	api::{
		self,
		runtime_types::{
			bounded_collections::bounded_vec::BoundedVec, nubes_primitives::names::Target as Raw,
		},
	},
	ClientError, Keys, NubesClient,
};
use nubes_primitives::names::{check_name, check_site_path, MAX_SITE_PATH};
use serde::Serialize;

/// What a name points to.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NameTarget {
	/// A site: content `root` (stored by storage deals), from `path` down.
	Site {
		/// The content's root.
		#[serde(serialize_with = "crate::store::as_hex")]
		root: [u8; 32],
		/// The directory (or file) the site starts at; empty for the whole content.
		path: String,
	},
	/// A deployment: the leases of its replicas.
	Deployment {
		/// The replicas' leases.
		leases: Vec<u64>,
	},
}

impl NameTarget {
	fn from_raw(raw: Raw) -> Self {
		match raw {
			Raw::Site { root, path } => {
				Self::Site { root, path: String::from_utf8_lossy(&path.0).into_owned() }
			}
			Raw::Deployment { leases } => Self::Deployment { leases: leases.0 },
		}
	}

	fn to_raw(&self) -> Result<Raw, ClientError> {
		match self {
			Self::Site { root, path } => {
				if !check_site_path(path.as_bytes()) || path.len() > MAX_SITE_PATH as usize {
					return Err(ClientError::BadInput(format!(
						"{path:?} is not a path inside a site: segments of printable ASCII separated by `/`, none empty, `.` or `..`"
					)));
				}
				Ok(Raw::Site { root: *root, path: BoundedVec(path.as_bytes().to_vec()) })
			}
			Self::Deployment { leases } => {
				Ok(Raw::Deployment { leases: BoundedVec(leases.clone()) })
			}
		}
	}
}

/// A name's record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct NameRecord {
	/// The name.
	pub name: String,
	/// Its owner (SS58).
	pub owner: String,
	/// What it points to.
	pub target: NameTarget,
	/// The first block at which it no longer resolves.
	pub expires: u64,
	/// The deposit held on the owner, in the smallest unit.
	#[serde(serialize_with = "crate::store::amount_text")]
	pub deposit: u128,
}

/// A name as read at one finalized block.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Lookup {
	/// The finalized block read.
	pub block: u64,
	/// The record, if the name is registered (expired or not).
	pub record: Option<NameRecord>,
}

impl Lookup {
	/// What the name resolves to at that block: its target, unless it is unregistered or past
	/// its expiry.
	pub fn target(&self) -> Option<&NameTarget> {
		self.record.as_ref().filter(|record| self.block < record.expires).map(|r| &r.target)
	}
}

/// Checks `name` against the chain's rules before anything is sent.
pub fn check(name: &str) -> Result<(), ClientError> {
	check_name(name.as_bytes())
		.map_err(|e| ClientError::BadInput(format!("{name:?}: {}", e.describe())))
}

fn key(name: &str) -> Result<BoundedVec<u8>, ClientError> {
	check(name)?;
	Ok(BoundedVec(name.as_bytes().to_vec()))
}

impl NubesClient {
	/// `name` as of the last finalized block.
	pub async fn name(&self, name: &str) -> Result<Lookup, ClientError> {
		let key = key(name)?;
		let at = self.api().at_current_block().await.map_err(ClientError::subxt)?;
		let block = at.block_number();
		let Some(value) = at
			.storage()
			.try_fetch(api::storage().names().names(), (key,))
			.await
			.map_err(ClientError::subxt)?
		else {
			return Ok(Lookup { block, record: None });
		};
		let record = value.decode().map_err(ClientError::subxt)?;
		Ok(Lookup {
			block,
			record: Some(NameRecord {
				name: name.to_string(),
				owner: crate::to_ss58(&record.owner),
				target: NameTarget::from_raw(record.target),
				expires: u64::from(record.expires),
				deposit: record.deposit,
			}),
		})
	}

	/// Blocks past its expiry during which a name still belongs to its owner (the runtime's
	/// `GracePeriod`).
	pub async fn name_grace(&self) -> Result<u64, ClientError> {
		let at = self.api().at_current_block().await.map_err(ClientError::subxt)?;
		let grace = at
			.constants()
			.entry(api::constants().names().grace_period())
			.map_err(ClientError::subxt)?;
		Ok(u64::from(grace))
	}

	/// What `name` resolves to as of the last finalized block, `None` if it does not.
	pub async fn resolve(&self, name: &str) -> Result<Option<NameTarget>, ClientError> {
		Ok(self.name(name).await?.target().cloned())
	}
}

/// Registers `name` pointing to `target` for `period` blocks as `keys`; returns its expiry.
pub async fn register(
	client: &NubesClient,
	keys: &Keys,
	name: &str,
	target: &NameTarget,
	period: u32,
) -> Result<u64, ClientError> {
	let call = api::tx().names().register(key(name)?, target.to_raw()?, period);
	let events = client.submit(&call, keys).await?;
	let registered = events
		.find_first::<api::names::events::Registered>()
		.and_then(Result::ok)
		.ok_or_else(|| ClientError::BadInput("no Registered event".into()))?;
	Ok(u64::from(registered.expires))
}

/// Points `name` to `target`, as its owner.
pub async fn update(
	client: &NubesClient,
	keys: &Keys,
	name: &str,
	target: &NameTarget,
) -> Result<(), ClientError> {
	client.submit(&api::tx().names().update(key(name)?, target.to_raw()?), keys).await?;
	Ok(())
}

/// Gives `name` to `to` (SS58 or 0x hex), as its owner.
pub async fn transfer(
	client: &NubesClient,
	keys: &Keys,
	name: &str,
	to: &str,
) -> Result<(), ClientError> {
	let to = crate::parse_account(to)?;
	client.submit(&api::tx().names().transfer(key(name)?, to), keys).await?;
	Ok(())
}

/// Pays to keep `name` `period` blocks past its expiry; returns the new expiry.
pub async fn renew(
	client: &NubesClient,
	keys: &Keys,
	name: &str,
	period: u32,
) -> Result<u64, ClientError> {
	let events = client.submit(&api::tx().names().renew(key(name)?, period), keys).await?;
	let renewed = events
		.find_first::<api::names::events::Renewed>()
		.and_then(Result::ok)
		.ok_or_else(|| ClientError::BadInput("no Renewed event".into()))?;
	Ok(u64::from(renewed.expires))
}

/// Gives `name` up, as its owner: its deposit comes back.
pub async fn release(client: &NubesClient, keys: &Keys, name: &str) -> Result<(), ClientError> {
	client.submit(&api::tx().names().release(key(name)?), keys).await?;
	Ok(())
}

/// A gateway: a provider that serves names, and where.
#[derive(Clone, PartialEq, Eq, Debug, Serialize)]
pub struct Gateway {
	/// The provider (SS58).
	pub provider: String,
	/// Its region.
	pub region: String,
	/// The domain names are served under (`{name}.{domain}`).
	pub domain: String,
	/// Its agent's endpoint.
	pub endpoint: String,
}

impl Gateway {
	/// Where this gateway serves `name`: the endpoint's scheme and port on `{name}.{domain}`.
	pub fn url(&self, name: &str) -> Option<String> {
		let (scheme, rest) = self.endpoint.split_once("://")?;
		let host_port = rest.split('/').next()?;
		let port = host_port
			.rsplit_once(':')
			.and_then(|(_, port)| port.parse::<u16>().ok())
			.map(|port| format!(":{port}"));
		let port = match (scheme, port.as_deref()) {
			("http", Some(":80")) | ("https", Some(":443")) => None,
			_ => port,
		};
		Some(format!("{scheme}://{name}.{}{}/", self.domain, port.unwrap_or_default()))
	}
}

/// Active providers that serve names (they declare the `gateway` attribute with their domain),
/// at most `limit` of them.
pub async fn gateways(client: &NubesClient, limit: usize) -> Result<Vec<Gateway>, ClientError> {
	let filter = crate::rpc::ProviderFilter {
		status: Some(nubes_primitives::ProviderStatus::Active),
		..Default::default()
	};
	let mut found = Vec::new();
	let mut start_after: Option<String> = None;
	// A bounded walk: a few pages of the registry are plenty to find a handful of gateways.
	for _ in 0..10 {
		let page = client.providers(&filter, start_after.as_deref(), Some(100)).await?;
		for provider in page.providers {
			if let Some(domain) = provider.attributes.get("gateway") {
				found.push(Gateway {
					provider: provider.account,
					region: provider.region,
					domain: domain.clone(),
					endpoint: provider.endpoint,
				});
				if found.len() >= limit {
					return Ok(found);
				}
			}
		}
		match page.next {
			Some(next) => start_after = Some(next),
			None => break,
		}
	}
	Ok(found)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_gateway_serves_a_name_on_its_endpoints_scheme_and_port() {
		let gateway = |endpoint: &str, domain: &str| Gateway {
			provider: String::new(),
			region: String::new(),
			domain: domain.into(),
			endpoint: endpoint.into(),
		};
		assert_eq!(
			gateway("http://127.0.0.1:8701", "localhost").url("myapp").as_deref(),
			Some("http://myapp.localhost:8701/")
		);
		assert_eq!(
			gateway("https://gw.example.com", "gw.example.com").url("myapp").as_deref(),
			Some("https://myapp.gw.example.com/")
		);
		assert_eq!(
			gateway("https://gw.example.com:443", "gw.example.com").url("a-b").as_deref(),
			Some("https://a-b.gw.example.com/")
		);
		assert_eq!(gateway("not a url", "x.com").url("myapp"), None);
	}

	#[test]
	fn names_are_checked_before_anything_is_sent() {
		assert!(check("my-app").is_ok());
		let e = check("l42").unwrap_err().to_string();
		assert!(e.contains("lease"), "{e}");
	}
}
