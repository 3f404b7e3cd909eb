use crate::helpers::{
    Page, TEST_SURNAME, Visitor, assert_no_personal_data, between, receipt_of, resident_fields, spawn_app,
};
use diesel::prelude::*;
use registry::db::schema::{account_identities, identities};

#[actix_web::test]
async fn an_owner_claims_identifies_and_gets_a_receipt() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let code = app.account_with_code(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);

    let claimed = visitor.claim("@ACC-1", &code.to_lowercase()).await;
    assert_eq!(claimed.status, 303, "{}", claimed.body);
    assert_eq!(claimed.location.as_deref(), Some("/claim/identify"));
    let ticket = visitor.cookies.get("claim").cloned().expect("a claim ticket cookie");
    let choose = visitor.get("/claim/identify?lang=en").await;
    assert!(choose.body.contains("A resident of Kazakhstan"), "{}", choose.body);
    let started = visitor.submit("/claim/identify?type=resident", "/claim/identify?lang=en", &resident_fields()).await;
    assert_eq!(started.location.as_deref(), Some("/claim/confirm"), "{}", started.body);
    let waiting = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(waiting["status"], "required", "nothing is linked before the code comes back");
    let mut conn = app.pool.get().unwrap();
    assert_eq!(identities::table.count().get_result::<i64>(&mut conn).unwrap(), 0, "no record yet");
    drop(conn);
    let mailed = app.last_mail("contact-code");
    assert_eq!(mailed.to, crate::helpers::TEST_EMAIL, "the code goes to the address typed");
    let receipt = visitor.confirm(&mailed.value("code")).await;
    assert_eq!(receipt.status, 200, "{}", receipt.body);
    let reference = between(&receipt.body, "<dd id=\"reference\">", "</dd>");
    let key = between(&receipt.body, "<dd id=\"management-key\">", "</dd>");
    assert!(reference.starts_with("R-") && key.len() == 29, "{reference} {key}");

    let status = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!((status["status"].as_str(), status["assurance"].as_str()), (Some("verified"), Some("declared")));
    let feed: Vec<_> = app.all_changes(&token, 0, 10).await.iter().map(|c| c["status"].clone()).collect();
    assert_eq!(feed, ["required", "verified"]);

    let again = Visitor::new(&app).claim("acc-1", &code).await;
    assert_eq!(again.status, 422, "a spent code does not work twice");
    assert!(!visitor.cookies.contains_key("claim"), "the receipt removes the ticket cookie");
    visitor.cookies.insert("claim".into(), ticket);
    visitor.cookies.remove("receipt");
    let replay = visitor.get("/claim/identify?type=resident&lang=en").await;
    assert_eq!(replay.status, 403, "a replayed ticket is spent too");
    assert!(replay.body.contains("expired or is already complete"));
    assert_no_personal_data(&app.db_contents(), "the database");
    assert_no_personal_data(crate::helpers::captured_logs().as_bytes(), "the log");
}

/// A visitor who claimed qaz's account acc-1 with its code, and may identify.
async fn claimed<'a>(app: &'a crate::helpers::TestApp, token: &str) -> Visitor<'a> {
    let code = app.account_with_code(token, "acc-1").await;
    let mut visitor = Visitor::new(app);
    assert_eq!(visitor.claim("acc-1", &code).await.status, 303);
    visitor
}

/// The message beside a field, without the hidden "Error:" read out before it.
fn field_error<'p>(page: &'p Page, field: &str) -> &'p str {
    let shown = between(&page.body, &format!("<p class=\"error\" id=\"{field}-error\">"), "</p>");
    shown.rsplit("</span> ").next().unwrap_or(shown)
}

/// The messages of the error summary, in order, with the field each links to.
fn summary(page: &Page) -> Vec<(String, String)> {
    let summary = between(&page.body, "<div class=\"error-summary\"", "</div>");
    summary
        .split("<li><a href=\"#")
        .skip(1)
        .map(|item| {
            let (anchor, rest) = item.split_once("\">").unwrap();
            (anchor.to_owned(), rest.split("</a>").next().unwrap().to_owned())
        })
        .collect()
}

#[actix_web::test]
async fn every_problem_is_summarised_linked_to_its_field_and_the_answers_are_kept() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = claimed(&app, &token).await;
    let fields = [
        ("owner_type", "resident"),
        ("iin", "900115353055"),
        ("surname", TEST_SURNAME),
        ("given_name", "R2D2"),
        ("email", "not-an-address"),
    ];
    let page = visitor.submit("/claim/identify?type=resident&lang=ru", "/claim/identify?lang=ru", &fields).await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("<title>Ошибка: Ваши данные"), "the title says there is an error");
    let expected = [
        ("iin", "Такого ИИН не существует: проверьте 12 цифр"),
        ("given_name", "Используйте только буквы; дефисы, апострофы и пробелы допустимы"),
        ("email", "Введите адрес электронной почты в правильном формате, например name@example.kz"),
        ("consent", "Подтвердите, что данные верны, чтобы продолжить"),
    ];
    let listed: Vec<(String, String)> = expected.iter().map(|(f, m)| ((*f).to_owned(), (*m).to_owned())).collect();
    assert_eq!(summary(&page), listed, "every problem at once, in the form's order, linked to its field");
    for (field, message) in expected {
        assert_eq!(field_error(&page, field), message, "{field}");
    }
    assert!(page.body.contains(&format!("value=\"{TEST_SURNAME}\"")), "a valid value is kept");
    assert!(page.body.contains("value=\"900115353055\""), "what was typed stays, to be corrected");
    assert!(page.body.contains("aria-describedby=\"iin-hint iin-error\""), "the hint stays described beside the error");
    assert!(page.body.contains("autofocus"), "focus goes to the summary");
    let status = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(status["status"], "required", "nothing was stored");
}

#[actix_web::test]
async fn the_answers_are_checked_before_anything_is_sent_and_can_be_changed() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = claimed(&app, &token).await;
    let mut fields = resident_fields();
    fields.push(("action", "check"));
    let check = visitor.submit("/claim/identify?type=resident&lang=en", "/claim/identify?lang=en", &fields).await;
    assert_eq!(check.status, 200, "{}", check.body);
    assert!(check.body.contains("Check your answers before sending them"));
    assert_eq!(between(&check.body, "<dd id=\"answer-iin\">", "</dd>"), crate::helpers::TEST_IIN);
    assert!(check.body.contains("Confirm and send"));
    assert!(app.queued_mail().is_empty(), "no code is sent before the owner confirms");

    // "Change" goes back to the form with every answer in place.
    let mut change = resident_fields();
    change.extend([("action", "change"), ("step", "check")]);
    let form = visitor.submit("/claim/identify?type=resident&lang=en", "/claim/identify?lang=en", &change).await;
    assert_eq!(form.status, 200);
    assert!(form.body.contains(&format!("value=\"{}\"", crate::helpers::TEST_IIN)));
    assert!(!form.body.contains("error-summary"), "changing is not an error");

    // A language switch on the form keeps the answers, but not the identifier.
    let mut switch = resident_fields();
    switch.extend([("action", "language"), ("step", "form")]);
    let russian = visitor.submit("/claim/identify?type=resident&lang=en", "/claim/identify?lang=ru", &switch).await;
    assert_eq!(russian.status, 200);
    assert!(russian.body.contains("Ваши данные"), "the form is now in Russian");
    assert!(russian.body.contains(&format!("value=\"{TEST_SURNAME}\"")), "typed answers are kept");
    assert!(!russian.body.contains(crate::helpers::TEST_IIN), "identifiers are not carried across a switch");

    let mut send = resident_fields();
    send.extend([("action", "send"), ("step", "check")]);
    let sent = visitor.submit("/claim/identify?type=resident&lang=en", "/claim/identify?lang=en", &send).await;
    assert_eq!(sent.location.as_deref(), Some("/claim/confirm"), "{}", sent.body);
}

#[actix_web::test]
async fn the_owner_type_is_a_question_that_must_be_answered() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = claimed(&app, &token).await;
    let asked = visitor.get("/claim/identify?lang=kk").await;
    assert!(asked.body.contains("<h1>Аккаунт кімге тиесілі?</h1>"), "{}", asked.body);
    assert_eq!(asked.body.matches("type=\"radio\"").count(), 3);
    let unanswered = visitor.get("/claim/identify?lang=en&asked=1").await;
    assert_eq!(unanswered.status, 422, "the question's form sent without a choice");
    assert_eq!(visitor.get("/claim/identify?type=&lang=en").await.status, 422);
    assert_eq!(summary(&unanswered), [("owner_type-resident".to_owned(), "Select who owns the account".to_owned())]);
    let back = visitor.get("/claim/identify?type=legal_entity&change=1&lang=en").await;
    assert!(back.body.contains("value=\"legal_entity\" aria-describedby=\"owner_type-legal_entity-hint\" checked"));
}

#[actix_web::test]
async fn the_confirmation_has_its_own_address_and_a_receipt_to_download() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = claimed(&app, &token).await;
    visitor.submit("/claim/identify?type=resident", "/claim/identify?lang=en", &resident_fields()).await;
    let answer =
        visitor.submit("/claim/confirm?lang=en", "/claim/confirm?lang=en", &[("code", &app.last_code())]).await;
    assert_eq!((answer.status, answer.location.as_deref()), (303, Some("/claim/done")), "post, redirect, get");
    let shown = visitor.get("/claim/done?lang=en").await;
    let (reference, key) = receipt_of(&shown);
    assert!(shown.body.contains("What happens next"));
    let again = visitor.get("/claim/done?lang=ru").await;
    assert_eq!(receipt_of(&again), (reference.clone(), key.clone()), "a refresh shows the confirmation again");
    let back = visitor.get("/claim/confirm?lang=en").await;
    assert_eq!((back.status, back.location.as_deref()), (303, Some("/claim/done")), "Back leads to the confirmation");
    let file = visitor.get("/claim/done/receipt.txt?lang=en").await;
    assert_eq!(file.status, 200);
    assert!(file.body.contains(&reference) && file.body.contains(&key), "{}", file.body);
    assert!(!file.body.contains(crate::helpers::TEST_IIN) && !file.body.contains(TEST_SURNAME), "no personal data");

    assert_eq!(visitor.sign_in(&reference, &key).await.status, 303);
    let after = visitor.get("/claim/done?lang=en").await;
    assert_eq!(after.status, 404, "once the owner signed in with it, the key is not shown again");
    assert!(!after.body.contains(&key));

    let stranger = Visitor::new(&app).get("/claim/done?lang=en").await;
    assert_eq!(stranger.status, 404, "another browser sees nothing");
    assert!(!stranger.body.contains(&reference));
    let mut forger = Visitor::new(&app);
    forger.cookies.insert("receipt".into(), "1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".into());
    assert_eq!(forger.get("/claim/done?lang=en").await.status, 404, "a made-up cookie shows nothing");
}

#[actix_web::test]
async fn every_wrong_claim_gets_the_same_answer_and_attempts_are_limited() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let code = app.account_with_code(&token, "acc-1").await;
    let wrong = |c: &str| c.chars().rev().collect::<String>();
    let answers = [
        Visitor::new(&app).claim("acc-1", &wrong(&code)).await,
        Visitor::new(&app).claim("nobody", &code).await,
        Visitor::new(&app).claim("acc-1", "not a code").await,
    ];
    for answer in &answers {
        assert_eq!(answer.status, 422);
        assert!(answer.body.contains("We could not accept this code."));
    }
    let problem = |p: &Page| between(&p.body, "<p class=\"error\" id=\"claim_code-error\">", "</p>").to_owned();
    assert!(answers.iter().all(|a| problem(a) == problem(&answers[0])));

    let mut limited = None;
    for _ in 0..8 {
        let page = Visitor::new(&app).claim("acc-1", &wrong(&code)).await;
        if page.status == 429 {
            limited = Some(page);
            break;
        }
    }
    assert!(limited.expect("attempts are limited").body.contains("Too many attempts"));
}

#[actix_web::test]
async fn a_form_without_its_csrf_token_is_refused() {
    let app = spawn_app().await;
    let mut visitor = Visitor::new(&app);
    visitor.get("/claim").await;
    let request = visitor.client.post(format!("{}/claim?lang=en", app.address));
    let forged = visitor
        .send(request, Some(&[("csrf", "0000"), ("platform", "qaz"), ("account", "a"), ("claim_code", "x")]))
        .await;
    assert_eq!(forged.status, 403);
    assert!(forged.body.contains("this form has expired"));
}

#[actix_web::test]
async fn a_second_account_of_the_same_person_joins_their_record() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    for (account, expect_key) in [("acc-1", true), ("acc-2", false)] {
        let code = app.account_with_code(&token, account).await;
        let mut visitor = Visitor::new(&app);
        assert_eq!(visitor.claim(account, &code).await.status, 303);
        visitor.submit("/claim/identify?type=resident", "/claim/identify?lang=en", &resident_fields()).await;
        let receipt = visitor.confirm(&app.last_code()).await;
        assert_eq!(receipt.status, 200, "{}", receipt.body);
        assert_eq!(receipt.body.contains("management-key"), expect_key, "{account}");
        assert_eq!(
            !receipt.body.contains("id=\"reference\""),
            !expect_key,
            "the record's reference is not shown again"
        );
    }
    let mut conn = app.pool.get().unwrap();
    let records: i64 = identities::table.count().get_result(&mut conn).unwrap();
    let links: i64 = account_identities::table.count().get_result(&mut conn).unwrap();
    assert_eq!((records, links), (1, 2));
}

#[actix_web::test]
async fn non_residents_and_legal_entities_identify_with_their_own_fields() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let forms: [(&str, Vec<(&str, &str)>); 2] = [
        (
            "non_resident",
            vec![
                ("owner_type", "non_resident"),
                ("document_type", "passport"),
                ("document_number", "C01X00T47"),
                ("country", "de"),
                ("surname", "Müller"),
                ("given_name", "Anna"),
                ("birth_date", "1988-04-01"),
                ("email", "anna@example.de"),
                ("consent", "yes"),
            ],
        ),
        (
            "legal_entity",
            vec![
                ("owner_type", "legal_entity"),
                ("bin", "050445669500"),
                ("legal_name", "«Алем-2» ЖШС"),
                ("email", "office@alem.kz"),
                ("consent", "yes"),
            ],
        ),
    ];
    for (owner_type, fields) in forms {
        let code = app.account_with_code(&token, owner_type).await;
        let mut visitor = Visitor::new(&app);
        assert_eq!(visitor.claim(owner_type, &code).await.status, 303);
        let started =
            visitor.submit(&format!("/claim/identify?type={owner_type}"), "/claim/identify?lang=en", &fields).await;
        assert_eq!(started.status, 303, "{owner_type}: {}", started.body);
        let receipt = visitor.confirm(&app.last_code()).await;
        assert_eq!(receipt.status, 200, "{owner_type}: {}", receipt.body);
        let status = app.api_get(&token, &format!("/api/v1/accounts/{owner_type}")).await.json();
        assert_eq!(status["status"], "verified", "{owner_type}");
    }
}

#[actix_web::test]
async fn every_field_of_the_other_owner_types_is_checked_with_its_own_message() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    /// (owner type, submitted fields, expected message per field, a valid value that must be kept)
    type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, Vec<(&'a str, &'a str)>, &'a str);
    let cases: [Case<'_>; 2] = [
        (
            "non_resident",
            vec![
                ("owner_type", "non_resident"),
                ("document_type", ""),
                ("document_number", "N1/23"),
                ("country", "XX"),
                ("surname", "Müller"),
                ("given_name", ""),
                ("birth_date", "2999-01-01"),
                ("email", "anna@example.de"),
                ("consent", "yes"),
            ],
            vec![
                ("document_type", "Выберите тип документа"),
                ("document_number", "Номер документа может содержать только латинские буквы и цифры"),
                ("country", "Выберите страну из списка"),
                ("given_name", "Введите имя"),
                ("birth_date", "Дата рождения должна быть в прошлом"),
            ],
            "value=\"Müller\"",
        ),
        (
            "legal_entity",
            vec![
                ("owner_type", "legal_entity"),
                ("bin", "900115353054"),
                ("legal_name", " "),
                ("email", "office@alem.kz"),
            ],
            vec![
                ("bin", "Это ИИН, а не БИН: введите БИН организации"),
                ("legal_name", "Введите зарегистрированное наименование организации"),
                ("consent", "Подтвердите, что данные верны, чтобы продолжить"),
            ],
            "value=\"office@alem.kz\"",
        ),
    ];
    for (owner_type, fields, expected, kept) in cases {
        let code = app.account_with_code(&token, owner_type).await;
        let mut visitor = Visitor::new(&app);
        assert_eq!(visitor.claim(owner_type, &code).await.status, 303);
        let page =
            visitor.submit(&format!("/claim/identify?type={owner_type}"), "/claim/identify?lang=ru", &fields).await;
        assert_eq!(page.status, 422, "{owner_type}");
        for (field, message) in expected {
            assert_eq!(field_error(&page, field), message, "{owner_type}.{field}");
        }
        assert!(page.body.contains(kept), "{owner_type}: valid values are kept");
    }
}

#[actix_web::test]
async fn a_form_the_page_did_not_send_gets_a_page_saying_so_not_json() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = claimed(&app, &token).await;
    let mut fields = resident_fields();
    fields.push(("action", "delete-everything"));
    let odd = visitor.submit("/claim/identify?type=resident&lang=en", "/claim/identify?lang=en", &fields).await;
    assert_eq!(odd.status, 400);
    assert!(odd.body.contains("<title>The form could not be read"), "{}", odd.body);
    let status = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(status["status"], "required", "nothing happened");
}

#[actix_web::test]
async fn the_check_page_shows_what_will_be_sent_in_the_pages_language() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let mut visitor = claimed(&app, &token).await;
    let fields = [
        ("owner_type", "non_resident"),
        ("document_type", "passport"),
        ("document_number", "c01x 00t47"),
        ("country", "de"),
        ("surname", "Müller"),
        ("given_name", "Anna"),
        ("birth_date_day", "1"),
        ("birth_date_month", "4"),
        ("birth_date_year", "1988"),
        ("email", "anna@example.de"),
        ("consent", "yes"),
        ("action", "check"),
    ];
    let check = visitor.submit("/claim/identify?type=non_resident&lang=en", "/claim/identify?lang=en", &fields).await;
    assert_eq!(check.status, 200, "{}", check.body);
    let answer = |anchor: &str| between(&check.body, &format!("<dd id=\"answer-{anchor}\">"), "</dd>").to_owned();
    assert_eq!(answer("country"), "Germany");
    assert_eq!(answer("birth_date_day"), "1 April 1988");
    assert_eq!(answer("document_number"), "C01X00T47", "normalised, as it will be stored");
    assert!(check.body.contains("name=\"document_number\" value=\"c01x 00t47\""), "sent again as typed");
}
