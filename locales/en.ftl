# Owner-facing texts, English. Every file in this folder has the same message
# ids; a test fails if one is missing. { $count } is a number.

site-name = Registry of anonymous accounts
skip-to-content = Skip to content
nav-home = About
nav-transparency = Transparency
language = Language
footer-text = Operated under the Law on Online Platforms. Platforms see only a status; officials see identities only with a legal basis, a second official's approval and a logged entry.

home-title = Identification of anonymous accounts with many followers
home-lead = If your anonymous account has more than { $count } followers, the law asks you to give identification data to the authorized body. This registry does that with as little data as the law allows.
home-who-title = Who must register
home-who-text = Owners of anonymous accounts whose follower count goes over the threshold. Your platform tells you, shows you a claim code and a deadline. Accounts that stay at or below the threshold for { $count ->
    [one] { $count } day
   *[other] { $count } days
} no longer need to be registered.
home-data-title = Exactly what we collect
home-data-resident = Residents of Kazakhstan: IIN, surname, given name, patronymic (optional), contact e-mail.
home-data-nonresident = Non-residents: document type, document number, issuing country, surname, given name, date of birth, contact e-mail.
home-data-entity = Legal entities: BIN, registered name, contact e-mail.
home-data-never = Never: addresses, document scans, phone numbers or IP addresses.
home-storage-title = How it is stored
home-storage-text = Your data is encrypted with a key of its own. Identifiers are kept only as a keyed fingerprint for exact look-ups; nobody can search by name. Platforms receive a status (required, verified, overdue, not required), never your data.
home-retention-text = Your data is deleted for good { $count ->
    [one] { $count } day
   *[other] { $count } days
} after your last account leaves the registry.
home-access-title = Who can see it
home-access-text = An official can see your identity only with a recorded legal basis (a court decision, a criminal investigation, a prosecutor's request or an administrative case), a written justification, the approval of a second official, and an entry in a tamper-evident log.
home-rights-title = Your rights
home-rights-text = With your reference number and management key you can see the status of your accounts, change your contact e-mail, withdraw an account that no longer needs registration, and see every disclosure of your data (some only after a deferral of at most 180 days).
home-transparency-link = See the transparency report

transparency-title = Transparency report
transparency-lead = Counts only: no one can be identified from them.
transparency-freshness = Counts are refreshed every minute.
transparency-accounts-title = Accounts by status
transparency-col-status = Status
transparency-col-accounts = Accounts
transparency-total = Total
status-required = Registration required
status-verified = Verified
status-overdue = Overdue
status-not_required = Not required
accounts-count = { $count ->
    [one] { $count } account
   *[other] { $count } accounts
}
