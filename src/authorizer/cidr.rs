//! Address ranges of the `IpAddress` / `NotIpAddress` condition operators on `aws:SourceIp`
//! (AWS docs: IAM JSON policy elements, Condition operators, IP address condition operators:
//! RFC 4632 CIDR notation, IPv4 and IPv6; a bare address is the single-address range).

use std::net::IpAddr;

/// One range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cidr {
    V4 { network: u32, prefix: u8 },
    V6 { network: u128, prefix: u8 },
}

impl Cidr {
    /// `192.0.2.0/24`, `2001:db8::/32`, `203.0.113.7`. Host bits may be set (`10.1.2.3/8`), as
    /// IAM accepts them: they are ignored.
    pub fn parse(text: &str) -> Result<Cidr, String> {
        let text = text.trim();
        let (addr, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let bad = || format!("{text:?} is not an IP address range (CIDR)");
        let addr: IpAddr = addr.parse().map_err(|_| bad())?;
        let max: u8 = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?
            }
            Some(_) => return Err(bad()),
        };
        Ok(match addr {
            IpAddr::V4(a) => Cidr::V4 { network: u32::from(a), prefix },
            IpAddr::V6(a) => Cidr::V6 { network: u128::from(a), prefix },
        })
    }

    /// Whether `ip` is inside; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, how a dual-stack
    /// listener may report an IPv4 peer) counts as the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self, normalize(ip)) {
            (Cidr::V4 { network, prefix }, IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32u32.saturating_sub(u32::from(*prefix))).unwrap_or(0);
                network & mask == u32::from(a) & mask
            }
            (Cidr::V6 { network, prefix }, IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128u32.saturating_sub(u32::from(*prefix))).unwrap_or(0);
                network & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// IPv4-mapped IPv6 addresses as IPv4.
pub fn normalize(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn inside(range: &str, ip: &str) -> bool {
        Cidr::parse(range).unwrap().contains(ip.parse().unwrap())
    }

    #[test]
    fn ranges() {
        let rows = [
            ("192.0.2.0/24", "192.0.2.255", true),
            ("192.0.2.0/24", "192.0.3.0", false),
            ("203.0.113.7", "203.0.113.7", true),
            ("203.0.113.7", "203.0.113.8", false),
            ("10.1.2.3/8", "10.200.0.1", true),
            ("0.0.0.0/0", "198.51.100.1", true),
            ("0.0.0.0/0", "2001:db8::1", false),
            ("192.0.2.0/24", "::ffff:192.0.2.9", true),
            ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false),
            ("::/0", "2001:db8::1", true),
            ("2001:db8::1/128", "2001:db8::1", true),
            ("2001:db8::/32", "192.0.2.1", false),
        ];
        for (range, ip, want) in rows {
            assert_eq!(inside(range, ip), want, "{ip} in {range}");
        }
    }

    #[test]
    fn refusals() {
        for bad in ["", "192.0.2.0/33", "192.0.2.0/", "192.0.2.0/+8", "2001:db8::/129", "host/8", "192.0.2/24", "1.2.3.4/-1"] {
            assert_eq!(Cidr::parse(bad), Err(format!("{bad:?} is not an IP address range (CIDR)")), "{bad}");
        }
    }
}
