//! Network addresses in configuration: single addresses or CIDR blocks.

use std::net::IpAddr;

/// An IP address, or a block of them in CIDR notation (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBlock {
    network: IpAddr,
    prefix: u8,
}

impl AddressBlock {
    pub fn parse(input: &str) -> Result<Self, String> {
        let bad = || "must be IP addresses or CIDR blocks (10.0.0.0/8), separated by commas".to_string();
        let (address, prefix) = match input.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().map_err(|_| bad())?)),
            None => (input, None),
        };
        let network: IpAddr = address.parse().map_err(|_| bad())?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        if prefix > bits {
            return Err(bad());
        }
        Ok(Self { network, prefix })
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        let keep = |bits: u32, width: u32| if bits == 0 { 0 } else { u128::MAX << (width - bits) };
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = keep(u32::from(self.prefix), 32);
                (u128::from(u32::from(net)) & mask) == (u128::from(u32::from(a)) & mask)
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = keep(u32::from(self.prefix), 128);
                (u128::from(net) & mask) == (u128::from(a) & mask)
            }
            _ => false,
        }
    }
}
