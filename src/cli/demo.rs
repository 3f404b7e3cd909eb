//! `serve --demo`: a demo platform and one official per role, with fresh
//! credentials printed at every start (the previous ones stop working).

use super::CliError;
use crate::crypto::KeyRing;
use crate::crypto::token::expose;
use crate::db::{DbError, Pool};
use crate::domain::{CodeLocation, PlatformName, PlatformSlug, RoleSet, Username};
use crate::services::IfExists;
use crate::services::officials::{self, IssuedOfficial};
use crate::services::platforms::{self, NewPlatform};
use secrecy::SecretString;

/// One role each where the roles must stay apart: an auditor does nothing else.
const DEMO_OFFICIALS: [(&str, &str); 4] = [
    ("demo-requester", "requester"),
    ("demo-approver", "approver"),
    ("demo-auditor", "auditor"),
    ("demo-registrar", "registrar"),
];

pub struct DemoCredentials {
    platform_token: SecretString,
    officials: Vec<(Username, RoleSet, IssuedOfficial)>,
}

pub fn ensure(pool: &Pool, keys: &KeyRing) -> Result<DemoCredentials, CliError> {
    let mut conn = pool.get().map_err(DbError::from)?;
    let slug = PlatformSlug::parse("demo").map_err(|e| CliError::Invalid(e.to_string()))?;
    let name = PlatformName::parse("Demo platform").map_err(|e| CliError::Invalid(e.to_string()))?;
    let location =
        CodeLocation::parse("Settings → Account → Registry code").map_err(|e| CliError::Invalid(e.to_string()))?;
    let platform = NewPlatform { slug: &slug, name: &name, code_location: Some(&location) };
    let (_, platform_token) = platforms::register(&mut conn, keys, &platform, IfExists::Reissue, crate::db::now())?;
    let mut officials = Vec::new();
    for (username, roles) in DEMO_OFFICIALS {
        let username = Username::parse(username).map_err(|e| CliError::Invalid(e.to_string()))?;
        let roles = RoleSet::assignable(roles).map_err(|e| CliError::Invalid(e.to_string()))?;
        let issued = officials::register(&mut conn, keys, &username, &roles, IfExists::Reissue, crate::db::now())?;
        officials.push((username, roles, issued));
    }
    Ok(DemoCredentials { platform_token, officials })
}

impl DemoCredentials {
    /// `mail_dir`: where owner mail is written when no SMTP server is set.
    pub fn print(&self, base_url: &str, mail_dir: Option<&std::path::Path>) {
        println!();
        println!("=== DEMO CREDENTIALS (new at every start; for trying the registry out, never for real data) ===");
        println!("Service:           {base_url}");
        println!("Platform 'demo' API token:");
        println!("  {}", expose(&self.platform_token));
        for (username, roles, issued) in &self.officials {
            println!("Official {} ({}):", username.as_str(), roles.to_canonical());
            println!("  password:    {}", expose(&issued.password));
            println!("  TOTP secret: {}", expose(&issued.totp_secret));
            println!("  TOTP URI:    {}", issued.otpauth_uri(username));
        }
        if let Some(dir) = mail_dir {
            println!("Owner mail (confirmation codes, notices) is written to {}/*.eml", dir.display());
        }
        println!("Try: curl {base_url}/readyz");
        println!("=================================================================================================");
        println!();
    }
}
