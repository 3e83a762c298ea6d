//! Refuses to start a node whose ports are taken. Left alone, the RPC server would move to a
//! random port and the p2p transport would silently drop the address it cannot bind; an
//! operator (or a wallet pointed at `--rpc-port`) would then talk to something else.

use std::net::{IpAddr, SocketAddr, TcpListener};

use sc_network::multiaddr::Protocol;
use sc_service::Configuration;

/// Checks that every RPC and p2p TCP address the node must listen on is free, and makes the
/// RPC server fail rather than fall back to a random port.
pub fn ensure_free(config: &mut Configuration) -> Result<(), String> {
	if let Some(endpoints) = config.rpc.addr.as_mut() {
		for endpoint in endpoints.iter_mut() {
			endpoint.retry_random_port = false;
			if !endpoint.is_optional {
				check(endpoint.listen_addr, "RPC", "--rpc-port")?;
			}
		}
	}
	for address in &config.network.listen_addresses {
		let mut ip = None;
		let mut port = None;
		for protocol in address.iter() {
			match protocol {
				Protocol::Ip4(v4) => ip = Some(IpAddr::V4(v4)),
				Protocol::Ip6(v6) => ip = Some(IpAddr::V6(v6)),
				Protocol::Tcp(p) => port = Some(p),
				_ => {}
			}
		}
		// IPv6 may be unavailable on a host: litep2p then listens on IPv4 alone, which is fine.
		if let (Some(ip @ IpAddr::V4(_)), Some(port)) = (ip, port) {
			check(SocketAddr::new(ip, port), "p2p", "--port")?;
		}
	}
	Ok(())
}

/// Fails with a one-line reason if `address` cannot be bound.
fn check(address: SocketAddr, what: &str, flag: &str) -> Result<(), String> {
	if address.port() == 0 {
		return Ok(());
	}
	TcpListener::bind(address).map(drop).map_err(|error| {
		format!("cannot listen for {what} on {address}: {error}; free the port or choose another with {flag}")
	})
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_taken_port_is_reported_with_the_flag_to_change() {
		let taken = TcpListener::bind("127.0.0.1:0").unwrap();
		let address = taken.local_addr().unwrap();
		let error = check(address, "RPC", "--rpc-port").unwrap_err();
		assert!(error.contains(&address.to_string()) && error.contains("--rpc-port"), "{error}");
		drop(taken);
		assert_eq!(check(address, "RPC", "--rpc-port"), Ok(()));
		assert_eq!(check("127.0.0.1:0".parse().unwrap(), "RPC", "--rpc-port"), Ok(()));
	}
}
