//! Where a workload with the network grant may connect: public internet addresses only.
//!
//! A workload runs on the provider's machine, next to the node's RPC (with its unsafe
//! methods), the agent's own API, other tenants' services, the LAN and cloud metadata
//! endpoints. Every address a workload connects or sends to is checked here **at connect
//! time, after name resolution**, so a name that resolves to a private address (DNS
//! rebinding) is refused like the address itself. Refused: loopback, unspecified, private
//! (RFC 1918, unique-local), shared (CGNAT), link-local (metadata services), multicast,
//! broadcast, documentation and benchmarking ranges, IPv6 forms that embed an IPv4 address
//! (mapped, compatible, NAT64, 6to4, Teredo) unless the embedded address is public, and every
//! address of the machine's own interfaces (a node bound to `0.0.0.0` is reachable on the
//! public address too). Listening is refused; UDP may bind only an ephemeral port on the
//! unspecified address (which sending needs). The operator may allow exact `ip:port` pairs
//! (a database it offers its tenants, say).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use wasmtime_wasi::sockets::SocketAddrUse;

/// Why an address is not public, or `None` if it is.
pub fn non_public(ip: IpAddr) -> Option<&'static str> {
	match ip {
		IpAddr::V4(v4) => non_public_v4(v4),
		IpAddr::V6(v6) => non_public_v6(v6),
	}
}

fn in_v4(ip: Ipv4Addr, net: [u8; 4], prefix: u32) -> bool {
	let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
	u32::from(ip) & mask == u32::from(Ipv4Addr::from(net)) & mask
}

fn non_public_v4(ip: Ipv4Addr) -> Option<&'static str> {
	const RANGES: &[([u8; 4], u32, &str)] = &[
		([0, 0, 0, 0], 8, "\"this network\" (0.0.0.0/8)"),
		([10, 0, 0, 0], 8, "private (10.0.0.0/8)"),
		([100, 64, 0, 0], 10, "shared address space (100.64.0.0/10)"),
		([127, 0, 0, 0], 8, "loopback (127.0.0.0/8)"),
		([169, 254, 0, 0], 16, "link-local (169.254.0.0/16)"),
		([172, 16, 0, 0], 12, "private (172.16.0.0/12)"),
		([192, 0, 0, 0], 24, "IETF protocol assignments (192.0.0.0/24)"),
		([192, 0, 2, 0], 24, "documentation (192.0.2.0/24)"),
		([192, 88, 99, 0], 24, "6to4 relay (192.88.99.0/24)"),
		([192, 168, 0, 0], 16, "private (192.168.0.0/16)"),
		([198, 18, 0, 0], 15, "benchmarking (198.18.0.0/15)"),
		([198, 51, 100, 0], 24, "documentation (198.51.100.0/24)"),
		([203, 0, 113, 0], 24, "documentation (203.0.113.0/24)"),
		([224, 0, 0, 0], 4, "multicast (224.0.0.0/4)"),
		([240, 0, 0, 0], 4, "reserved and broadcast (240.0.0.0/4)"),
	];
	RANGES.iter().find(|(net, prefix, _)| in_v4(ip, *net, *prefix)).map(|(_, _, why)| *why)
}

fn in_v6(ip: Ipv6Addr, net: Ipv6Addr, prefix: u32) -> bool {
	let mask = if prefix == 0 { 0 } else { u128::MAX << (128 - prefix) };
	u128::from(ip) & mask == u128::from(net) & mask
}

fn embedded_v4(bits: u128) -> Ipv4Addr {
	Ipv4Addr::from((bits & 0xffff_ffff) as u32)
}

fn non_public_v6(ip: Ipv6Addr) -> Option<&'static str> {
	let bits = u128::from(ip);
	if ip.is_unspecified() {
		return Some("unspecified (::)");
	}
	if ip.is_loopback() {
		return Some("loopback (::1)");
	}
	// Forms that carry an IPv4 address: judged by that address.
	if in_v6(ip, Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96)
		|| in_v6(ip, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)
	{
		return non_public_v4(embedded_v4(bits));
	}
	if in_v6(ip, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
		return non_public_v4(Ipv4Addr::from(((bits >> 80) & 0xffff_ffff) as u32));
	}
	const RANGES: &[(Ipv6Addr, u32, &str)] = &[
		(Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96, "IPv4-compatible (::/96)"),
		(Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, "local NAT64 (64:ff9b:1::/48)"),
		(Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, "discard (100::/64)"),
		(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, "Teredo (2001::/32)"),
		(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, "documentation (2001:db8::/32)"),
		(Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, "unique local (fc00::/7)"),
		(Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, "link-local (fe80::/10)"),
		(Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, "site-local (fec0::/10)"),
		(Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, "multicast (ff00::/8)"),
	];
	RANGES.iter().find(|(net, prefix, _)| in_v6(ip, *net, *prefix)).map(|(_, _, why)| *why)
}

/// The addresses a workload with the network grant may use on this machine.
#[derive(Clone, Debug, Default)]
pub struct NetPolicy {
	/// The machine's own addresses, refused even when public.
	own: Vec<IpAddr>,
	/// Exact `ip:port` pairs the operator allows even though they are not public.
	allowed: Vec<SocketAddr>,
}

impl NetPolicy {
	/// The policy for this machine: its interfaces' addresses are refused, and the operator's
	/// `allowed` pairs let through.
	pub fn for_this_machine(allowed: Vec<SocketAddr>) -> Self {
		Self { own: interface_addresses(), allowed }
	}

	/// A policy with the given own addresses (for tests and for machines where interfaces
	/// cannot be listed).
	pub fn new(own: Vec<IpAddr>, allowed: Vec<SocketAddr>) -> Self {
		Self { own, allowed }
	}

	/// Why `addr` may not be used as `usage`, or `None` if it may.
	pub fn refusal(&self, addr: SocketAddr, usage: SocketAddrUse) -> Option<String> {
		match usage {
			SocketAddrUse::TcpBind => return Some("workloads may not listen".into()),
			SocketAddrUse::UdpBind => {
				return if addr.ip().is_unspecified() && addr.port() == 0 {
					None
				} else {
					Some("UDP may bind only an ephemeral port on the unspecified address".into())
				}
			}
			SocketAddrUse::TcpConnect
			| SocketAddrUse::UdpConnect
			| SocketAddrUse::UdpOutgoingDatagram => {}
		}
		if self.allowed.contains(&addr) {
			return None;
		}
		let ip = canonical(addr.ip());
		if let Some(why) = non_public(ip) {
			return Some(format!("{ip} is {why}"));
		}
		if self.own.iter().any(|own| canonical(*own) == ip) {
			return Some(format!("{ip} is this machine's own address"));
		}
		None
	}

	/// Whether `addr` may be used as `usage`.
	pub fn allows(&self, addr: SocketAddr, usage: SocketAddrUse) -> bool {
		self.refusal(addr, usage).is_none()
	}
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
	match ip {
		IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
		v4 => v4,
	}
}

/// The addresses of this machine's network interfaces.
fn interface_addresses() -> Vec<IpAddr> {
	let mut out = Vec::new();
	let mut head: *mut libc::ifaddrs = std::ptr::null_mut();
	// SAFETY: `getifaddrs` fills `head` with a list we walk read-only and free once.
	if unsafe { libc::getifaddrs(&mut head) } != 0 {
		return out;
	}
	let mut cursor = head;
	while !cursor.is_null() {
		// SAFETY: `cursor` is a node of the list `getifaddrs` returned, not yet freed.
		let entry = unsafe { &*cursor };
		if !entry.ifa_addr.is_null() {
			// SAFETY: `ifa_addr` points to a sockaddr whose family says its real type.
			let family = unsafe { (*entry.ifa_addr).sa_family } as i32;
			if family == libc::AF_INET {
				// SAFETY: the family is AF_INET, so this is a `sockaddr_in`.
				let sin = unsafe { &*(entry.ifa_addr as *const libc::sockaddr_in) };
				out.push(IpAddr::V4(Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr))));
			} else if family == libc::AF_INET6 {
				// SAFETY: the family is AF_INET6, so this is a `sockaddr_in6`.
				let sin6 = unsafe { &*(entry.ifa_addr as *const libc::sockaddr_in6) };
				out.push(IpAddr::V6(Ipv6Addr::from(sin6.sin6_addr.s6_addr)));
			}
		}
		cursor = entry.ifa_next;
	}
	// SAFETY: `head` came from `getifaddrs` and is freed once.
	unsafe { libc::freeifaddrs(head) };
	out
}

#[cfg(test)]
mod tests {
	use super::*;

	fn addr(text: &str) -> SocketAddr {
		text.parse().unwrap()
	}

	#[test]
	fn the_address_table() {
		let policy = NetPolicy::new(vec!["203.0.114.9".parse().unwrap()], vec![]);
		let refused = [
			"127.0.0.1:80",
			"127.255.255.254:8545",
			"0.0.0.0:9944",
			"0.1.2.3:80",
			"[::]:9944",
			"[::1]:9944",
			"[::ffff:127.0.0.1]:9944",
			"[::ffff:10.1.2.3]:80",
			"[::127.0.0.1]:80",
			"[64:ff9b::7f00:1]:80",
			"[2002:7f00:1::]:80",
			"[2001::1]:80",
			"[fe80::1]:80",
			"[febf:ffff::1]:80",
			"[fc00::1]:80",
			"[fdff:ffff::1]:80",
			"[ff02::1]:80",
			"[2001:db8::1]:80",
			"10.0.0.1:80",
			"10.255.255.255:80",
			"172.16.0.1:80",
			"172.31.255.255:80",
			"192.168.0.1:80",
			"192.168.255.255:80",
			"100.64.0.1:80",
			"100.127.255.255:80",
			"169.254.169.254:80",
			"169.254.0.1:80",
			"224.0.0.1:80",
			"255.255.255.255:80",
			"198.18.0.1:80",
			"192.0.2.1:80",
			// The machine's own public address.
			"203.0.114.9:9944",
			"[::ffff:203.0.114.9]:9944",
		];
		for text in refused {
			let a = addr(text);
			assert!(!policy.allows(a, SocketAddrUse::TcpConnect), "{text} was allowed");
			assert!(!policy.allows(a, SocketAddrUse::UdpOutgoingDatagram), "{text} was allowed");
		}
		let allowed = [
			"1.1.1.1:443",
			"8.8.8.8:53",
			"172.15.255.255:80",
			"172.32.0.1:80",
			"100.63.255.255:80",
			"100.128.0.1:80",
			"169.253.255.255:80",
			"192.169.0.1:80",
			"11.0.0.1:80",
			"[2606:4700::1111]:443",
			"[::ffff:1.1.1.1]:443",
			"[64:ff9b::101:101]:443",
			"[2002:101:101::]:443",
		];
		for text in allowed {
			let a = addr(text);
			assert!(policy.allows(a, SocketAddrUse::TcpConnect), "{text} was refused");
			assert!(policy.allows(a, SocketAddrUse::UdpConnect), "{text} was refused");
		}
	}

	#[test]
	fn listening_is_refused_and_udp_binds_only_ephemerally() {
		let policy = NetPolicy::new(vec![], vec![]);
		assert!(!policy.allows(addr("0.0.0.0:8080"), SocketAddrUse::TcpBind));
		assert!(!policy.allows(addr("1.1.1.1:0"), SocketAddrUse::TcpBind));
		assert!(policy.allows(addr("0.0.0.0:0"), SocketAddrUse::UdpBind));
		assert!(policy.allows(addr("[::]:0"), SocketAddrUse::UdpBind));
		assert!(!policy.allows(addr("0.0.0.0:53"), SocketAddrUse::UdpBind));
		assert!(!policy.allows(addr("127.0.0.1:0"), SocketAddrUse::UdpBind));
	}

	#[test]
	fn the_operator_allows_exact_pairs_only() {
		let policy = NetPolicy::new(vec![], vec![addr("10.0.0.5:5432")]);
		assert!(policy.allows(addr("10.0.0.5:5432"), SocketAddrUse::TcpConnect));
		assert!(!policy.allows(addr("10.0.0.5:5433"), SocketAddrUse::TcpConnect));
		assert!(!policy.allows(addr("10.0.0.6:5432"), SocketAddrUse::TcpConnect));
	}

	#[test]
	fn this_machines_interfaces_are_listed() {
		let policy = NetPolicy::for_this_machine(vec![]);
		assert!(policy.own.iter().any(|ip| ip.is_loopback()), "{:?}", policy.own);
	}
}
