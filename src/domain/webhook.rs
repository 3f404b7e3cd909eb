//! Platforms' webhook endpoints: where status changes are pushed, how each
//! delivery is signed, and which network addresses an endpoint may never
//! reach (a webhook is not a way into the registry's network).

use super::AddressBlock;
use super::string_enum;
use std::net::IpAddr;

string_enum! {
    /// How deliveries to an endpoint are signed (Standard Webhooks).
    pub enum SigningScheme: UnknownSigningScheme {
        /// HMAC-SHA256 with a shared secret (`whsec_…`).
        Hmac = "v1",
        /// Ed25519; the platform holds only the public key (`whpk_…`).
        Ed25519 = "v1a",
    }
}

/// The longest endpoint URL accepted.
const MAX_URL_LEN: usize = 2048;

/// Why an endpoint URL is refused before any address is looked at.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointUrlError {
    #[error("must be an absolute http(s) URL")]
    NotHttp,
    #[error("must be https:// (plain http only where the operator allows it for development)")]
    NotHttps,
    #[error("must not hold a user name or password")]
    Credentials,
    #[error("must not hold a fragment")]
    Fragment,
    #[error("must be at most {MAX_URL_LEN} characters")]
    TooLong,
}

/// An endpoint URL: absolute http(s), with a host, no credentials, no fragment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointUrl(url::Url);

impl EndpointUrl {
    /// `allow_http`: plain http is accepted (a development setting).
    pub fn parse(input: &str, allow_http: bool) -> Result<Self, EndpointUrlError> {
        if input.len() > MAX_URL_LEN {
            return Err(EndpointUrlError::TooLong);
        }
        let url = url::Url::parse(input).map_err(|_| EndpointUrlError::NotHttp)?;
        match url.scheme() {
            "https" => {}
            "http" if allow_http => {}
            "http" => return Err(EndpointUrlError::NotHttps),
            _ => return Err(EndpointUrlError::NotHttp),
        }
        if url.host().is_none() || url.port() == Some(0) {
            return Err(EndpointUrlError::NotHttp);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(EndpointUrlError::Credentials);
        }
        if url.fragment().is_some() {
            return Err(EndpointUrlError::Fragment);
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// The host and port to resolve (the scheme's default port if none).
    pub fn host_and_port(&self) -> Option<(String, u16)> {
        Some((
            self.0.host_str()?.trim_start_matches('[').trim_end_matches(']').to_owned(),
            self.0.port_or_known_default()?,
        ))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:10.0.0.1`) is the IPv4 address.
fn canonical(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
        v4 => v4,
    }
}

/// Whether a delivery may connect to `address`: a public unicast address,
/// or one inside a network the operator allowed. Refused: loopback,
/// private, shared (carrier-grade NAT), link-local (where cloud metadata
/// services answer), unique-local, multicast, broadcast, documentation and
/// unspecified addresses.
pub fn may_reach(address: IpAddr, allowed: &[AddressBlock]) -> bool {
    let address = canonical(address);
    if allowed.iter().any(|range| range.contains(address)) {
        return true;
    }
    match address {
        IpAddr::V4(v4) => {
            let [a, b, c, _] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_unspecified()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0 && c == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            // Forms that carry an IPv4 address or lead to one: IPv4-compatible
            // (::/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (64:ff9b::/32
            // and 64:ff9b:1::/48), 6to4 (2002::/16), Teredo (2001::/32); and
            // site-local (fec0::/10), discard (100::/64), documentation.
            let embeds_ipv4 = s[..6] == [0; 6]
                || s[..4] == [0; 4] && s[4] == 0xffff && s[5] == 0
                || s[0] == 0x0064 && s[1] == 0xff9b
                || s[0] == 0x2002
                || s[0] == 0x2001 && s[1] == 0;
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || v6.is_unique_local()
                || v6.is_unicast_link_local()
                || embeds_ipv4
                || s[0] & 0xffc0 == 0xfec0
                || s[..4] == [0x0100, 0, 0, 0]
                || s[0] == 0x2001 && s[1] == 0x0db8)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn only_public_addresses_are_reachable_unless_allowed() {
        for refused in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fd00:ec2::254",
            "fe80::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::127.0.0.1",
            "::a9fe:a9fe",
            "::ffff:0:a9fe:a9fe",
            "2002:a9fe:a9fe::",
            "2002:7f00:1::",
            "2001:0:4136:e378::1",
            "fec0::1",
            "100::1",
            "64:ff9b::7f00:1",
            "198.18.0.1",
            "192.0.0.8",
        ] {
            assert!(!may_reach(ip(refused), &[]), "{refused}");
        }
        for public in
            ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8", "192.0.78.24", "2001:4860::8888"]
        {
            assert!(may_reach(ip(public), &[]), "{public}");
        }
        let allowed = [AddressBlock::parse("127.0.0.2").unwrap(), AddressBlock::parse("10.1.0.0/16").unwrap()];
        assert!(may_reach(ip("127.0.0.2"), &allowed));
        assert!(may_reach(ip("::ffff:10.1.200.3"), &allowed));
        assert!(!may_reach(ip("127.0.0.1"), &allowed), "only what the list names");
        assert!(!may_reach(ip("10.2.0.1"), &allowed));
    }

    #[test]
    fn endpoint_urls_are_https_without_credentials_unless_development_allows_http() {
        assert!(EndpointUrl::parse("https://hooks.example.kz/registry", false).is_ok());
        assert_eq!(EndpointUrl::parse("http://hooks.example.kz/", false), Err(EndpointUrlError::NotHttps));
        assert!(EndpointUrl::parse("http://hooks.example.kz/", true).is_ok());
        assert_eq!(EndpointUrl::parse("ftp://hooks.example.kz/", true), Err(EndpointUrlError::NotHttp));
        assert_eq!(EndpointUrl::parse("https://user:pw@hooks.example.kz/", false), Err(EndpointUrlError::Credentials));
        assert_eq!(EndpointUrl::parse("https://hooks.example.kz/#x", false), Err(EndpointUrlError::Fragment));
        assert_eq!(EndpointUrl::parse("hooks.example.kz", false), Err(EndpointUrlError::NotHttp));
        let url = EndpointUrl::parse("https://[::1]:8443/x", false).unwrap();
        assert_eq!(url.host_and_port(), Some(("::1".into(), 8443)));
    }
}
