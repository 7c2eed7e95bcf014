//! `server.trusted_proxies`: addresses or CIDR ranges of the reverse proxies whose forwarding
//! headers are believed. A Kubernetes ingress pod changes address on every restart, so a
//! range (`10.0.0.0/8`, `fd00::/8`) must be accepted; a malformed entry is an error at
//! configuration load that names it.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// One trusted address or range: `192.0.2.10`, `10.0.0.0/8`, `::1`, `fd00::/8`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(try_from = "String", into = "String")]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    /// A single address (`/32` or `/128`).
    pub fn host(ip: IpAddr) -> Self {
        let ip = ip.to_canonical();
        Self {
            network: ip,
            prefix: max_prefix(&ip),
        }
    }

    /// Whether `ip` lies in the range (an IPv4-mapped IPv6 address counts as its IPv4 one).
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

fn max_prefix(ip: &IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let bad = || {
            format!(
                "server.trusted_proxies: '{s}' is not an IP address or a CIDR range (e.g. 10.0.0.0/8, fd00::/8)"
            )
        };
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let ip: IpAddr = addr.parse().map_err(|_| bad())?;
        let ip = match ip {
            // `::ffff:10.0.0.0/104` is written for IPv4 hosts; keep the IPv6 form then.
            IpAddr::V6(v6) if prefix.is_some() => IpAddr::V6(v6),
            other => other.to_canonical(),
        };
        let max = max_prefix(&ip);
        let prefix = match prefix {
            None => max,
            Some(p) => {
                if p.is_empty() || !p.chars().all(|c| c.is_ascii_digit()) {
                    return Err(bad());
                }
                let n: u8 = p.parse().map_err(|_| bad())?;
                if n > max {
                    return Err(format!(
                        "server.trusted_proxies: '{s}' has a prefix longer than {max} bits"
                    ));
                }
                n
            }
        };
        let range = Self {
            network: ip,
            prefix,
        };
        // Host bits set (`10.1.2.3/8`) are almost always a typo for another range.
        if range.masked() != ip {
            return Err(format!(
                "server.trusted_proxies: '{s}' has host bits set; did you mean {}?",
                Self {
                    network: range.masked(),
                    prefix
                }
            ));
        }
        Ok(range)
    }
}

impl IpRange {
    fn masked(&self) -> IpAddr {
        match self.network {
            IpAddr::V4(v4) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V4((u32::from(v4) & mask).into())
            }
            IpAddr::V6(v6) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                IpAddr::V6((u128::from(v6) & mask).into())
            }
        }
    }
}

impl TryFrom<String> for IpRange {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<IpRange> for String {
    fn from(r: IpRange) -> String {
        r.to_string()
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.prefix == max_prefix(&self.network) {
            write!(f, "{}", self.network)
        } else {
            write!(f, "{}/{}", self.network, self.prefix)
        }
    }
}

/// Whether `ip` is one of the trusted proxies.
pub fn is_trusted(ranges: &[IpRange], ip: &IpAddr) -> bool {
    ranges.iter().any(|r| r.contains(ip))
}

/// The client address behind trusted proxies: `X-Forwarded-For` read from the right (each
/// proxy appends the address it received from), skipping trusted proxies; the first address
/// that is not one is the client. The left-most entries are whatever the client sent and are
/// never believed past an untrusted hop. `None` when the header has no valid address.
pub fn client_from_forwarded(ranges: &[IpRange], forwarded_for: &str) -> Option<IpAddr> {
    let mut last = None;
    for part in forwarded_for.rsplit(',') {
        let ip = part.trim().parse::<IpAddr>().ok()?.to_canonical();
        if !is_trusted(ranges, &ip) {
            return Some(ip);
        }
        last = Some(ip);
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> IpRange {
        s.parse().unwrap_or_else(|e| panic!("{e}"))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn ranges_contain_their_addresses_only() {
        let net = r("10.0.0.0/8");
        assert!(net.contains(&ip("10.0.0.1")));
        assert!(net.contains(&ip("10.255.255.255")));
        assert!(!net.contains(&ip("11.0.0.0")));
        assert!(!net.contains(&ip("9.255.255.255")));
        assert!(net.contains(&ip("::ffff:10.2.3.4")), "IPv4-mapped");
        let v6 = r("fd00::/8");
        assert!(v6.contains(&ip("fd12:3456::1")));
        assert!(!v6.contains(&ip("fe80::1")));
        assert!(!v6.contains(&ip("10.0.0.1")));
        let host = r("127.0.0.1");
        assert!(host.contains(&ip("127.0.0.1")));
        assert!(!host.contains(&ip("127.0.0.2")));
        assert!(r("0.0.0.0/0").contains(&ip("203.0.113.9")));
        assert!(r("::/0").contains(&ip("2001:db8::1")));
        assert_eq!(r("10.0.0.0/8").to_string(), "10.0.0.0/8");
        assert_eq!(r("::1").to_string(), "::1");
    }

    #[test]
    fn malformed_entries_are_named() {
        for bad in [
            "10.0.0.0/33",
            "fd00::/129",
            "10.0.0/8",
            "10.0.0.0/",
            "10.0.0.0/-1",
            "nginx",
            "",
        ] {
            let e = bad.parse::<IpRange>().expect_err(bad);
            assert!(e.contains(&format!("'{bad}'")), "{e}");
        }
        let e = "10.1.2.3/8".parse::<IpRange>().expect_err("host bits");
        assert!(e.contains("10.0.0.0/8"), "{e}");
    }

    #[test]
    fn the_client_is_the_right_most_untrusted_hop() {
        let trusted = [r("10.0.0.0/8"), r("127.0.0.1")];
        // The client sent a forged first entry; the ingress appended the real one.
        assert_eq!(
            client_from_forwarded(&trusted, "1.2.3.4, 203.0.113.7, 10.4.0.12"),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(
            client_from_forwarded(&trusted, "203.0.113.7"),
            Some(ip("203.0.113.7"))
        );
        assert_eq!(client_from_forwarded(&trusted, "garbage"), None);
        assert_eq!(
            client_from_forwarded(&trusted, "10.0.0.5"),
            Some(ip("10.0.0.5"))
        );
    }
}
