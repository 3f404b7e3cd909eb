use crate::helpers::{Page, TEST_SURNAME, Visitor, assert_no_personal_data, between, resident_fields, spawn_app};
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
    let replay = visitor.get("/claim/identify?type=resident&lang=en").await;
    assert_eq!(replay.status, 403, "a replayed ticket is spent too");
    assert!(replay.body.contains("expired or is already complete"));
    assert_no_personal_data(&app.db_contents(), "the database");
    assert_no_personal_data(crate::helpers::captured_logs().as_bytes(), "the log");
}

#[actix_web::test]
async fn invalid_fields_get_their_own_message_and_identifiers_are_not_echoed() {
    let app = spawn_app().await;
    let token = app.add_platform("qaz");
    let code = app.account_with_code(&token, "acc-1").await;
    let mut visitor = Visitor::new(&app);
    assert_eq!(visitor.claim("acc-1", &code).await.status, 303);
    let fields = [
        ("owner_type", "resident"),
        ("iin", "900115353055"),
        ("surname", TEST_SURNAME),
        ("given_name", "R2D2"),
        ("email", "not-an-address"),
    ];
    let page = visitor.submit("/claim/identify?type=resident&lang=ru", "/claim/identify?lang=ru", &fields).await;
    assert_eq!(page.status, 422);
    for message in [
        "Это не действительный ИИН: проверьте 12 цифр.",
        "Только буквы (дефисы, апострофы и пробелы допустимы).",
        "Укажите адрес вида name@example.kz.",
        "Подтвердите, чтобы продолжить.",
    ] {
        assert!(page.body.contains(message), "{message}");
    }
    assert!(page.body.contains(&format!("value=\"{TEST_SURNAME}\"")), "a valid value is kept");
    assert!(!page.body.contains("900115353055"), "the identifier is never echoed");
    assert!(page.body.contains("id=\"iin-error\"") && page.body.contains("aria-describedby=\"iin-error\""));
    let status = app.api_get(&token, "/api/v1/accounts/acc-1").await.json();
    assert_eq!(status["status"], "required", "nothing was stored");
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
    let problem =
        |p: &Page| between(&p.body, "<p class=\"problem\" role=\"alert\" id=\"claim-problem\">", "</p>").to_owned();
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
                ("document_type", "Заполните это поле."),
                ("document_number", "Используйте от 4 до 20 латинских букв и цифр."),
                ("country", "Укажите двухбуквенный код страны, например DE."),
                ("given_name", "Заполните это поле."),
                ("birth_date", "Укажите настоящую дату в прошлом, после 1900 года."),
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
                ("bin", "Это не действительный БИН: проверьте 12 цифр."),
                ("legal_name", "Заполните это поле."),
                ("consent", "Подтвердите, чтобы продолжить."),
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
            let shown = between(&page.body, &format!("<p class=\"error\" id=\"{field}-error\">"), "</p>");
            assert_eq!(shown, message, "{owner_type}.{field}");
        }
        assert!(!page.body.contains("N1/23") && !page.body.contains("900115353054"), "identifiers are not echoed");
        assert!(page.body.contains(kept), "{owner_type}: valid values are kept");
    }
}
