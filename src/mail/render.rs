//! Writing a queued letter out as an e-mail: texts from the catalogues in the
//! owner's language, plain text with an HTML alternative.

use super::{Letter, MailKind};
use crate::config::PublicSettings;
use crate::i18n::{Catalogues, Texts};
use askama::Template;
use fluent_bundle::FluentArgs;
use lettre::Message;
use lettre::message::{Mailbox, MultiPart};

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The stored address is not one SMTP accepts. Never carries the address.
    #[error("the recipient address cannot be used")]
    Recipient,
    #[error("the message cannot be built: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("the HTML part cannot be written: {0}")]
    Template(#[from] askama::Error),
}

#[derive(Template)]
#[template(path = "mail/message.html")]
struct HtmlPart<'a> {
    lang: &'a str,
    subject: &'a str,
    paragraphs: Vec<&'a str>,
    link: Option<&'a str>,
    footer: &'a str,
}

/// A message's texts in the owner's language.
struct Composed {
    subject: String,
    plain: String,
    html: String,
}

/// The texts for `letter`. A `link` value is a path on this site: it becomes
/// an absolute address under `public`.
fn compose(
    catalogues: &Catalogues,
    public: &PublicSettings,
    kind: MailKind,
    letter: &Letter,
) -> Result<Composed, RenderError> {
    let link = letter.values.get("link").map(|path| public.link(path));
    let mut args = FluentArgs::new();
    for (name, value) in &letter.values {
        args.set(name.as_str(), value.clone());
    }
    let texts = Texts::new(catalogues, letter.lang);
    for (name, at) in &letter.dates {
        args.set(name.as_str(), texts.day(at.naive_utc()));
    }
    if let Some(link) = &link {
        args.set("link", link.clone());
    }
    let text = |id: &str| catalogues.text(letter.lang, id, Some(&args));
    let subject = text(&format!("mail-{kind}-subject"));
    let body = text(&format!("mail-{kind}-body"));
    let footer = text("mail-footer");
    let html = HtmlPart {
        lang: letter.lang.as_str(),
        subject: &subject,
        paragraphs: body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).collect(),
        link: link.as_deref(),
        footer: &footer,
    }
    .render()?;
    let plain = format!("{body}\n\n-- \n{footer}\n");
    Ok(Composed { subject, plain, html })
}

/// The e-mail for `letter`, from `from`.
pub(super) fn render(
    catalogues: &Catalogues,
    public: &PublicSettings,
    from: &Mailbox,
    kind: MailKind,
    letter: &Letter,
) -> Result<Message, RenderError> {
    let to: Mailbox = letter.to.parse().map_err(|_| RenderError::Recipient)?;
    let Composed { subject, plain, html } = compose(catalogues, public, kind, letter)?;
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .multipart(MultiPart::alternative_plain_html(plain, html))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn every_kind_renders_in_every_language_with_every_value_filled_in() {
        let catalogues = Catalogues::load().unwrap();
        let public = PublicSettings {
            url: "https://registry.example.kz".parse().unwrap(),
            trusted_proxies: Vec::new(),
            help_contact: None,
        };
        let from: Mailbox = "Registry <registry@example.kz>".parse().unwrap();
        let values = [
            ("code", "12345678"),
            ("minutes", "30"),
            ("link", "/my"),
            ("platform", "Qaz"),
            ("handle", "@acc-1"),
            ("authority", "Almaty District Court"),
            ("basis", "court_decision"),
        ];
        for kind in MailKind::ALL {
            for lang in Lang::ALL {
                let letter = Letter {
                    to: "owner@example.kz".into(),
                    lang: *lang,
                    values: values.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
                    dates: [("date".to_owned(), "2026-12-07T20:00:00Z".parse().unwrap())].into(),
                };
                let composed = compose(&catalogues, &public, *kind, &letter).unwrap();
                for text in [&composed.subject, &composed.plain, &composed.html] {
                    assert!(!text.contains("mail-"), "{kind} in {lang}: a message id instead of text");
                    assert!(!text.contains("{$") && !text.contains('$'), "{kind} in {lang}: a value left unfilled");
                }
                assert!(render(&catalogues, &public, &from, *kind, &letter).is_ok());
                if composed.plain.contains("2026") {
                    assert!(!composed.plain.contains("2026-12"), "{kind} in {lang}: dates are written out");
                    assert!(composed.plain.contains('8'), "{kind} in {lang}: the day in Almaty, not in UTC");
                }
            }
        }
    }
}
