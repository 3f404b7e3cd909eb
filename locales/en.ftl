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

nav-claim = Register an account
home-start = Register with a claim code

claim-title = Register your account
claim-lead = Enter the platform, your account and the claim code the platform showed you.
field-platform = Platform
field-account = Your account
hint-account = Your handle (for example @qazaq_news) or the account number the platform showed you.
field-claim_code = Claim code
hint-claim_code = 12 letters and digits, for example 7KQ2-M9XD-4TVA.
claim-submit = Continue
claim-rejected = We could not accept this code. Check the platform, the account and the code; the code may have expired or been replaced, in which case ask the platform for a new one.
claim-rate-limited = Too many attempts. Please wait a few minutes and try again.
claim-expired = This registration has expired or is already complete. Start again with a claim code.
claim-start-again = Start again
form-expired-title = The form has expired
form-expired = For your security this form has expired. Please open it again and resubmit.
busy-title = Please try again shortly
busy = Many people are registering right now. Nothing was saved; please submit the form again in a minute.

identify-lead = Account:
owner-resident = A resident of Kazakhstan
owner-non_resident = A non-resident individual
owner-legal_entity = A legal entity
field-optional = optional
field-iin = IIN
field-bin = BIN
field-document_type = Document type
field-document_number = Document number
field-country = Issuing country
field-surname = Surname
field-given_name = Given name
field-patronymic = Patronymic
field-legal_name = Registered name
field-birth_date = Date of birth
field-email = Contact e-mail
field-accounts = Every account of the person in the registry
field-consent = I confirm that these details are correct and consent to their processing for the registry, as explained on the About page.
doc-passport = Passport
doc-id_card = Identity card
doc-residence_permit = Residence permit
receipt-title = Your account is registered
receipt-lead = Keep these details: you need them to see your record.
receipt-reference = Reference number
receipt-key = Management key
receipt-key-warning = Write this key down or save it somewhere safe: once you leave this page, it is not shown again. If you lose it, you can set a new one through your confirmed e-mail address.
receipt-linked = This account was added to your record. Sign in with your reference number and management key to see it.

nav-my = My record
my-title = My record
my-sign-in-lead = Sign in with the reference number and management key from your receipt.
field-reference = Reference number
hint-reference = For example R-6BFR-3AEK-KSDA-EJYS.
field-management_key = Management key
my-sign-in-submit = Sign in
my-sign-in-rejected = The reference number or the management key is not right.
my-accounts-title = Your accounts
my-col-account = Account
my-withdrawn = Withdrawn
my-withdraw = Withdraw
my-deleted-on = No account needs your registration now: your data will be deleted on { $date }, unless one of your accounts needs it again before then.
my-withdraw-explained = You can withdraw an account that no longer needs registration. Your data is deleted after the retention period once no account needs it.
my-withdraw-done = The account was withdrawn from your record.
my-withdraw-refused = This account cannot be withdrawn: only accounts that no longer need registration can.
my-email-title = Contact e-mail
my-email-submit = Change e-mail
my-email-changed = Your contact e-mail was changed.
my-disclosures-title = Disclosures of your data
my-disclosures-count = { $count ->
    [0] Your data has not been disclosed to anyone.
    [one] Your data has been disclosed { $count } time.
   *[other] Your data has been disclosed { $count } times.
}
my-sign-out = Sign out
my-col-date = Date
my-col-authority = Authority
my-col-basis = Legal basis
my-col-proof = Proof
my-col-event = What happened
my-proof-link = Download the proof
my-log-title = Changes you made to your record
my-log-none = You have not changed your record yet.
my-log-intro = Each disclosure and each change is an entry in the registry's public audit log. Its proof is a file you can keep: anyone can check it against the log's published key, and it shows the entry is in the log, which cannot drop or change it unnoticed.
my-log-transparency = How anyone can check the log
my-back = Back to my record
my-proof-not-yet = This entry joins the public log within a minute or two. Try again shortly.
my-proof-not-found = There is no such entry on your record.
log-owner-account_linked = An account was linked to your record
log-owner-account_withdrawn = An account was withdrawn from your record
log-owner-contact_changed = Your contact e-mail was changed
log-owner-key_replaced = Your management key was replaced
log-owner-link_disputed = A link to your record was reported as not yours
rejection-data_mismatch = the data declared does not match the evidence
rejection-document_invalid = the identity document is invalid
rejection-person_not_found = no such person or organisation was found
rejection-not_the_declarant = the declaration was made by someone other than the person declared
basis-court_decision = Court decision
basis-criminal_investigation = Criminal investigation
basis-prosecutor_request = Prosecutor's request
basis-administrative_case = Administrative case
transparency-requests-title = Disclosure requests by officials
transparency-requests-none = No disclosure requests have been made.
transparency-col-month = Month
transparency-col-outcome = Outcome
transparency-col-requests = Requests
outcome-pending = Awaiting decision
outcome-approved = Approved
outcome-denied = Denied
outcome-expired = Expired
transparency-median-none = No request has been decided yet.
transparency-median-minutes = Median time from request to decision: { $count } { $count ->
    [one] minute
   *[other] minutes
}.
transparency-median-hours = Median time from request to decision: { $count } { $count ->
    [one] hour
   *[other] hours
}.
transparency-checkpoint-title = Signed audit checkpoint
transparency-checkpoint-lead = The request counts above were taken at this signed point of the audit log. Anyone may keep a copy: if the log is ever altered, it will no longer match.
transparency-checkpoint-none = The audit log is empty: there is nothing to sign yet.
transparency-checkpoint-seq = Audit entry
transparency-checkpoint-signed-at = Signed at
transparency-checkpoint-hash = Chain hash (SHA-256)
transparency-checkpoint-key = Public key (Ed25519)
transparency-checkpoint-signature = Signature
transparency-log-title = The public audit log
transparency-log-lead = Every official action is an entry in a Merkle tree published as Certificate Transparency logs are (C2SP tlog-tiles). The public sees only a salted commitment per entry; the checkpoint below signs the whole tree, and independent witnesses cosign it only if the log still holds everything they saw before.
transparency-log-size = Entries in the log
transparency-log-root = Root hash
transparency-log-key = The log's public key
transparency-log-witnesses = Witnesses
transparency-log-witnesses-none = No witnesses are configured yet: the registry alone signs the log.
transparency-log-cosigned = { $count ->
    [one] { $count } witness cosigned
   *[other] { $count } witnesses cosigned
}
transparency-log-configured = Witnesses configured
transparency-verify-title = Check it yourself
transparency-verify-mirror = Copy the log and check every hash (run it every night: it also checks the log still extends your copy):
transparency-verify-proof = Check a proof an owner downloaded from their record:
transparency-verify-more = The registry's source has the full guide for outside bodies (docs/VERIFYING.md), including how to run a witness.

# Regulator pages (/regulator)
reg-title = Registry: regulator access
reg-footer = For officials of authorised bodies. Every sign-in, request, decision and disclosure is recorded in a tamper-evident log.
reg-login-title = Sign in
reg-login-lead = Officials sign in with their password and the six-digit code from their authenticator app.
reg-field-username = Username
reg-field-password = Password
reg-field-totp = Code
reg-hint-totp = Six digits from the authenticator app; each code works once.
reg-login-submit = Sign in
reg-login-rejected = The username, password or code is not right.
reg-login-locked = Too many failed attempts: this account is locked for 15 minutes.
reg-login-too-many = Too many failed sign-ins from your network: try again in 15 minutes.
reg-requests-title = Access requests
reg-requests-none = There are no requests yet.
reg-new-request = New request
reg-new-request-lead = Ask only for the data the case needs. Another official decides; the owner is told unless the decision defers it.
reg-sign-out = Sign out
reg-col-number = No.
reg-col-filed = Filed
reg-col-state = State
reg-col-decided = Decided
reg-target = Whose data
reg-target-account = One account on a platform
reg-target-identifier = Every account of one person, by identifier
reg-target-by-iin = Every account of the person with a given IIN
reg-target-by-bin = Every account of the organisation with a given BIN
reg-target-by-document = Every account of the person with a given identity document
reg-field-account_ref = Account id on the platform
reg-field-identifier_type = Identifier
reg-field-identifier = Identifier number
reg-basis-document = Basis document
reg-field-basis_number = Number
reg-field-basis_date = Date
reg-field-basis_issuer = Issued by
reg-field-justification = Justification
reg-hint-justification = At least 50 characters: why this person's identity is needed for the case.
reg-fields = Data requested
reg-submit-request = File the request
reg-error-target = Check whose data: the platform and account id, or the identifier, are not valid.
reg-error-legal_basis = Choose a legal basis.
reg-error-basis_document = Check the basis document: its number, its date (not in the future) and who issued it.
reg-error-justification = The justification must be 50 to 4000 characters.
reg-error-fields = Choose at least one item of data.
reg-error-reason = Give a reason of up to 2000 characters.
reg-error-approve = Choose whether to approve or deny the request.
reg-decision-recorded = The decision was recorded. It is in the audit log.
reg-error-notify_owner_after = The owner may be told at most 180 days from now, and not in the past.
reg-request-title = Request No. { $number }
reg-decision-title = Decision
reg-approve = Approve
reg-deny = Deny
reg-field-reason = Reason
reg-field-notify_owner_after = Tell the owner on (optional)
reg-hint-notify_owner_after = Leave empty to tell the owner at once. At most 180 days ahead.
reg-submit-decision = Record the decision
reg-openings = { $count ->
    [one] Opened once of 3 times allowed.
   *[other] Opened { $count } of 3 times allowed.
}
reg-open-disclosure = Open the disclosure
reg-disclosure-title = Disclosure
reg-disclosure-lead = This opening is recorded in the audit log and will be shown to the owner. Copy only what the case needs.
reg-col-field = Data
reg-col-value = Value
reg-accounts-title = Accounts of this person
reg-problem-forbidden = Your role does not allow this, and nobody decides their own request.
reg-problem-not_found = There is no such request, or it is not yours to see.
reg-problem-daily_limit_reached = You have reached your daily limit for this; the refusal is recorded in the audit log.
reg-problem-data_deleted = The data was deleted under the retention rules on { $date }.
reg-problem-busy = The service is busy: try again in a moment.
reg-problem-already_decided = The request has already been decided.
reg-problem-not_approved = The request is not approved.
reg-problem-approval_expired = The approval has expired: file a new request.
reg-problem-openings_used = The disclosure has been opened as many times as allowed.
reg-review-title = Declarations to review
reg-review-lead = Check each declaration against evidence you hold: a document the owner presented, or an answer from the population or business register. You never see the declaration itself: only whether what you type matches, and for a name the first letter.
reg-review-none = No declarations are waiting for review.
reg-col-owner = Owner
reg-col-declared = Declared
reg-done-confirmed = The declaration was confirmed. Its accounts now show the registrar-checked assurance.
reg-done-rejected = The declaration was rejected and deleted. Its accounts must identify again, and the owner has been told why.
reg-check-title = Declaration { $reference }
reg-results-title = Result of the check
reg-col-result = Result
reg-col-masked = Declared (hint)
reg-match-match = Matches
reg-match-no_match = Does not match
reg-match-not_declared = Not declared
reg-confirm-lead = Every declared item was checked and matches.
reg-confirm-submit = Confirm the declaration
reg-confirm-not-yet = To confirm, check every declared item; all must match.
reg-evidence = What the evidence shows
reg-check-lead = Each check is recorded with its purpose and counts against your daily limit.
reg-field-purpose = Purpose of the check
reg-hint-purpose = 10 to 500 characters: the evidence you hold and why you check, for example "Passport presented at the service centre".
reg-error-purpose = Give a purpose of 10 to 500 characters.
reg-hint-evidence = Fill in only what the evidence shows; leave the rest empty.
reg-error-claims = Fill in at least one item, each with a valid value.
reg-check-submit = Check
reg-reject-title = Reject the declaration
reg-reject-lead = Why the declaration is false
reg-error-reject_reason = Choose a reason.
reg-reason-data_mismatch = The data declared does not match the evidence
reg-reason-document_invalid = The identity document is invalid
reg-reason-person_not_found = No such person or organisation exists
reg-reason-not_the_declarant = Someone other than the person declared made the declaration
reg-reject-submit = Reject the declaration
reg-problem-review_not_found = There is no such declaration waiting for review.
reg-problem-already_confirmed = The declaration is already confirmed; it is not reviewed again.
reg-problem-not_checked = Check the declaration first: confirming needs your newest check to match every declared item; rejecting needs a check, and rejecting as not matching needs it to find an item that does not match.

confirm-title = Confirm by e-mail
confirm-where = { $count ->
    [one] We sent a code by e-mail to confirm this identification: to the address you gave or, if you already have a record in the registry, to the address on that record. Enter it within { $count } minute.
   *[other] We sent a code by e-mail to confirm this identification: to the address you gave or, if you already have a record in the registry, to the address on that record. Enter it within { $count } minutes.
}
confirm-sent-again = We sent a new code. The earlier one no longer works.
field-code = Code from the e-mail
hint-code = 8 digits.
confirm-submit = Confirm
confirm-no-code-title = No code?
confirm-no-code = Check your spam folder. Nothing is registered until the code is entered.
confirm-resend = Send a new code
confirm-have-record = Already have a record and its management key? You can add this account from
confirm-wrong-code = { $count ->
    [one] This code is not right. You can try once more.
   *[other] This code is not right. You can try { $count } more times.
}
confirm-expired = This code has expired. Ask for a new one below.
confirm-too-many-failures = Too many wrong codes. Ask the platform for a new claim code and start again.
confirm-too-many-codes = Enough codes were sent for this claim. Ask the platform for a new claim code and start again.
confirm-start-again = This identification cannot be finished as it was started. Start again with your claim code.

report-title = Not my account
report-explained = If you did not add this account to your record, confirm below. The account will be removed from your record and will need identifying again, and every signed-in session of your record will end. If someone may know your management key, replace it too.
report-submit = This account is not mine
report-done = The account was removed from your record.
report-expired = This link has expired or was already used.

my-add-title = Add an account
my-add-lead = Add another account of yours that a platform reported, with the claim code the platform showed you. It joins this record at once.
my-add-submit = Add the account
my-add-done = The account was added to your record.
my-email-hint = We send a code to the new address; the address changes once you enter it. Your management key is asked again, since a lost key is replaced through this address.
my-email-code-sent = We sent a code to the new address. Enter it below to change your contact e-mail.
my-email-code = Code sent to the new address
my-email-code-too-many = Too many wrong codes. Ask for a new code by entering the new address again.
my-email-code-expired = No change of address waits for a code: it expired or is done. Enter the new address again.
my-email-confirmed = Your contact e-mail is confirmed: a lost management key can be replaced through it.
my-email-unconfirmed = Your contact e-mail is not confirmed. Enter it below, and then the code we send to it, so that a lost management key can be replaced through it.

lost-key-title = I lost my management key
lost-key-lead = Enter your record's reference number. If the record has a confirmed contact e-mail, we send a link there to set a new key.
lost-key-submit = Send the link
lost-key-sent = If a record with this reference number has a confirmed contact e-mail, we sent a link to it. It works once, for an hour.
lost-key-unconfirmed = Without a confirmed contact e-mail a key cannot be replaced here: you confirm the address by entering the code sent to it when you identify or change it.
recover-title = Set a new management key
recover-lead = Setting a new key ends every signed-in session of your record; the old key stops working.
recover-submit = Set a new key
recover-done = Your new management key is below. The old key no longer works.

my-key-rejected = The management key is not right.

## Mail to owners. Never an identifier, a name, a code for a claim or a management key.
mail-footer = Registry of anonymous accounts. This message was sent automatically; replies are not read.
mail-contact-changed-subject = Your contact e-mail was changed
mail-contact-changed-body =
    The contact e-mail of your record in the registry was changed on { $date }. From now on we write to the new address.

    If you did not do this, sign in and change it back, or replace your management key if someone else may have it:

    { $link }
mail-contact-code-subject = Your confirmation code
mail-contact-code-body =
    Your code to confirm the identification of an account in the registry: { $code }

    Enter it on the page where you filled in the form, within { $minutes } minutes:

    { $link }

    If you did not fill in the form, ignore this message: nothing is registered without the code.
mail-link-request-subject = Add an account to your record?
mail-link-request-body =
    Someone asked to add the account { $handle } on { $platform } to your record in the registry. If it was you, enter this code within { $minutes } minutes on the page where you filled in the form:

    { $code }

    { $link }

    If it was not you, do not give this code to anyone and ignore this message: the account will not be added to your record.
mail-code-elsewhere-subject = Your identification in the registry
mail-code-elsewhere-body =
    Someone, perhaps you, gave this address to identify an account in the registry. If you already have a record in the registry, the confirmation code was sent to the address on that record, not to this one.

    If you cannot read mail at that address, sign in with your reference number and management key and add the account from your record, or ask for a new management key here:

    { $link }
mail-account-linked-subject = An account was added to your record
mail-account-linked-body =
    The account { $handle } on { $platform } was added to your record in the registry on { $date }.

    If this was not you, report it here: the account will be removed from your record and your sessions will end.

    { $link }
mail-email-change-code-subject = Confirm your new contact e-mail
mail-email-change-code-body =
    Your code to make this the contact e-mail of your record in the registry: { $code }

    Enter it on your record's page within { $minutes } minutes:

    { $link }

    If you did not ask for this, ignore this message: nothing changes without the code.
mail-key-reset-link-subject = Set a new management key
mail-key-reset-link-body =
    Someone, perhaps you, asked to set a new management key for your record in the registry. If it was you, open this link within { $minutes } minutes; it works once:

    { $link }

    If it was not you, ignore this message: your key stays as it is.
mail-key-replaced-subject = Your management key was replaced
mail-key-replaced-body =
    A new management key was set for your record in the registry on { $date }, through a link sent to this address. Every signed-in session of the record ended and the old key no longer works.

    If this was not you, someone can read your mail: secure your mailbox, then set a new key again here:

    { $link }
mail-deadline-soon-subject = Finish registering your account by { $date }
mail-deadline-soon-body =
    You started registering the account { $handle } on { $platform } but did not finish. It must be registered by { $date }.

    Finish with the claim code the platform showed you:

    { $link }
mail-overdue-subject = Your account's registration is overdue
mail-overdue-body =
    The account { $handle } on { $platform } was not registered by { $date }, and the platform has been told it is overdue.

    You can still finish with the claim code the platform showed you:

    { $link }
mail-disclosure-visible-subject = Your data was disclosed to an authority
mail-disclosure-visible-body =
    On { $date } data from your record in the registry was disclosed to: { $authority ->
        [court] { authority-court }
        [prosecutor] { authority-prosecutor }
        [internal_affairs] { authority-internal_affairs }
        [national_security] { authority-national_security }
        [anti_corruption] { authority-anti_corruption }
        [financial_monitoring] { authority-financial_monitoring }
        [culture_and_information] { authority-culture_and_information }
       *[other] { authority-other }
    }.

    Legal basis: { $basis ->
        [court_decision] { basis-court_decision }
        [criminal_investigation] { basis-criminal_investigation }
        [prosecutor_request] { basis-prosecutor_request }
       *[administrative_case] { basis-administrative_case }
    }

    The disclosure was approved by a second official and is recorded in the audit log. Your record lists every disclosure:

    { $link }
mail-deletion-scheduled-subject = Your data will be deleted on { $date }
mail-deletion-scheduled-body =
    No account needs your registration any more. Your data in the registry will be deleted on { $date }, unless one of your accounts needs it again before then.

    { $link }
mail-declaration-rejected-subject = Your identification was not accepted
mail-declaration-rejected-body =
    A registrar checked the identification in your record against official sources and did not accept it: { $reason ->
        [data_mismatch] { rejection-data_mismatch }
        [document_invalid] { rejection-document_invalid }
        [person_not_found] { rejection-person_not_found }
       *[not_the_declarant] { rejection-not_the_declarant }
    }.

    The accounts that relied on it are no longer covered by your record and need identifying again by { $date }. Ask the platform for a new code and identify with correct data:

    { $link }
mail-data-deleted-subject = Your data was deleted
mail-data-deleted-body =
    On { $date } your data in the registry was deleted under the retention rules: it can no longer be read by anyone. This is the last message to this address.

# Identification: owner type, check your answers, errors
error-summary-title = There is a problem
error-prefix = Error:
choose-one = Select
identify-choose = Who owns the account?
identify-continue = Continue
owner-resident-hint = You have a Kazakh IIN: a citizen of Kazakhstan, or a foreign national with a residence permit. Individual entrepreneurs choose this too.
owner-non_resident-hint = You have no IIN: you prove who you are with a passport or identity card issued by another country.
owner-legal_entity-hint = A company or organisation registered in Kazakhstan, with a BIN.
identify-details-title = Your details
identify-change-type = Change who owns the account
identify-check-title = Check your answers before sending them
identify-check-owner = Who owns the account
identify-change = Change
identify-check-send-title = Now send your details
identify-check-send-text = By sending, you confirm that these details are correct. We will e-mail a code to the address above: enter it on the next page to finish.
identify-send = Confirm and send
field-birth_date_day = Day
field-birth_date_month = Month
field-birth_date_year = Year
hint-birth_date = For example, 28 2 1990
hint-iin = 12 digits, as on your identity card.
hint-bin = The organisation's 12-digit business identification number.
hint-document_number = As printed on the document: letters and digits.
hint-email = We send a confirmation code here, and write only when something about your record changes.
error-owner_type = Select who owns the account
error-iin-missing = Enter your IIN
error-iin-length = The IIN must be 12 digits
error-iin-digits = The IIN must contain digits only
error-iin-invalid = Enter a real IIN: check the 12 digits
error-bin-missing = Enter the organisation's BIN
error-bin-length = The BIN must be 12 digits
error-bin-digits = The BIN must contain digits only
error-bin-not-entity = This is an IIN, not a BIN: enter the organisation's BIN
error-bin-invalid = Enter a real BIN: check the 12 digits
error-document_type-missing = Select the type of document
error-document_number-missing = Enter the document number
error-document_number-length = The document number must be 4 to 20 letters and digits
error-document_number-characters = The document number can only contain Latin letters and digits
error-country-missing = Select the country that issued the document
error-country-invalid = Select the country from the list
error-surname-missing = Enter your surname
error-given_name-missing = Enter your given name
error-legal_name-missing = Enter the organisation's registered name
error-name-long = This is too long: shorten it
error-name-characters = Use letters only; hyphens, apostrophes and spaces are fine
error-birth_date-missing = Enter your date of birth
error-birth_date-no-day = The date of birth must include a day
error-birth_date-no-month = The date of birth must include a month
error-birth_date-no-year = The date of birth must include a year
error-birth_date-real = The date of birth must be a real date
error-birth_date-past = The date of birth must be in the past
error-birth_date-early = The date of birth must be after 1 January 1900
error-email-missing = Enter your e-mail address
error-email-invalid = Enter an e-mail address in the correct format, like name@example.kz
error-consent = Confirm that the details are correct to continue
receipt-finished = Finished
receipt-download = Download the receipt
receipt-print = You can also print this page: the menu and buttons are left out of the printout.
receipt-next-title = What happens next
receipt-next-status = The platform now sees the account as identified. It sees nothing else about you.
receipt-next-review = The registrar may check your details against state records. If they do not match, we write to you.
receipt-next-mail = We write to your e-mail address only when something about your record changes, such as a disclosure to an authorised body.
receipt-to-my = Go to your record
receipt-gone-title = Nothing to show
receipt-gone = This confirmation is no longer available: it is kept for 30 minutes after you finish. To see your record, sign in with your reference number and management key.
reg-col-requester = Requested by

# Home and claim pages: who runs the registry, before you start, the deadline, help
home-authority = The registry is kept by the authorised body for online platforms, the Ministry of Culture and Information of the Republic of Kazakhstan, under the Law of the Republic of Kazakhstan "On Online Platforms and Online Advertising".
home-before-title = Before you start
home-before-code = the claim code your platform shows you next to the account, and the account's name there;
home-before-id = your IIN; if you have none, your passport or identity card; for an organisation, its BIN;
home-before-email = an e-mail address you can open now: we send a code to it;
home-before-time = about 5 minutes.
home-deadline-title = If you do not register
home-deadline-text = You have { $count ->
    [one] { $count } day
   *[other] { $count } days
} from the platform's notice. After the deadline the account's status becomes "Overdue" and the platform must restrict the account until it is identified. Registering after the deadline lifts the restriction.
help-title = Help
help-text = If something does not work or you have a question: { $contact }
claim-where-title = Where to find the code

# The bodies that ask for disclosures
authority-court = A court
authority-prosecutor = The prosecutor's office
authority-internal_affairs = The Ministry of Internal Affairs
authority-national_security = The National Security Committee
authority-anti_corruption = The Anti-Corruption Agency
authority-financial_monitoring = The Financial Monitoring Agency
authority-culture_and_information = The Ministry of Culture and Information
authority-other = An authorised body
reg-field-authority = Requesting authority
reg-error-authority = Choose the authority that asks.
receipt-key-kept = Write this key down, download the receipt or save it somewhere safe. This page shows it for 30 minutes at most, and not after you sign in to your record or start another registration in this browser. If you lose it, you can set a new one through your confirmed e-mail address.
form-unreadable-title = The form could not be read
form-unreadable = Something in what was sent does not fit this form. Go back, check the page and send it again.
