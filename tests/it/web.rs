//! The web pages in a real headless browser: Debian's `chromium` driven over WebDriver
//! (`chromedriver`, fantoccini), against the daemon and a DNS server of the test's own. Without
//! chromium the browser tests say so and stop, except in CI (`.ci/run` installs it), where its
//! absence fails them. `SENDERCHECK_SCREENSHOTS=DIR` saves a PNG of each page there
//! (`docs/screenshots/` holds the committed ones).

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

use crate::fixture_dns::FixtureDns;
use crate::signing::{Signing, message, rsa_signature};

use crate::support::{AppOptions, TestApp, spawn_app};

/// Whether chromium and chromedriver are here; see the module's note.
fn browser_installed() -> bool {
    let found = ["chromium", "chromedriver"].iter().all(|program| {
        Command::new("sh")
            .args(["-c", &format!("command -v {program}")])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    });
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed (apt-get install -y chromium chromium-driver)"
        );
        eprintln!(
            "skipped: chromium is not installed (apt-get install -y chromium chromium-driver)"
        );
    }
    found
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], port))).is_err() {
            assert!(Instant::now() < deadline, "chromedriver never listened");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { child, port }
    }

    async fn client(&self) -> Client {
        // fantoccini brings rustls with two crypto providers: pick one, once.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_string(),
            json!({"args": ["--headless", "--no-sandbox", "--disable-gpu", "--window-size=1100,1400"]}),
        );
        ClientBuilder::rustls()
            .expect("a TLS setup")
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a browser session")
    }
}

async fn screenshot(browser: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("SENDERCHECK_SCREENSHOTS") {
        let png = browser.screenshot().await.expect("a screenshot");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{name}.png")), png).unwrap();
    }
}

/// The text of the first element `css` matches, waiting while a page loads (a click that
/// navigates returns before the next page is there).
async fn text(browser: &Client, css: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let found = match browser.find(Locator::Css(css)).await {
            Ok(element) => element.text().await.map_err(|error| error.to_string()),
            Err(error) => Err(error.to_string()),
        };
        match found {
            Ok(text) => return text,
            Err(error) => {
                assert!(Instant::now() < deadline, "no {css}: {error}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// Clicks the button labelled `label`.
async fn press(browser: &Client, label: &str) {
    browser
        .find(Locator::XPath(&format!("//button[text()='{label}']")))
        .await
        .unwrap_or_else(|error| panic!("no button {label:?}: {error}"))
        .click()
        .await
        .unwrap();
}

/// Waits until the page's title is `wanted` (a click that navigates returns before the next
/// page is there).
async fn wait_title(browser: &Client, wanted: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let title = browser.title().await.unwrap_or_default();
        if title == wanted {
            return;
        }
        assert!(Instant::now() < deadline, "title {title:?}, not {wanted:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until `css` matches an element whose text contains `wanted`.
async fn wait_text(browser: &Client, css: &str, wanted: &str) {
    poll_text(browser, css, wanted, false).await;
}

/// As `wait_text`, reloading the page between looks (for what a background check changes).
async fn until_text(browser: &Client, css: &str, wanted: &str) {
    poll_text(browser, css, wanted, true).await;
}

async fn poll_text(browser: &Client, css: &str, wanted: &str, reload: bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(element) = browser.find(Locator::Css(css)).await
            && element.text().await.is_ok_and(|text| text.contains(wanted))
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never showed {wanted:?}");
        tokio::time::sleep(Duration::from_millis(150)).await;
        if reload {
            browser.refresh().await.unwrap();
        }
    }
}

async fn app_with(dns: &FixtureDns, api_token: Option<&str>) -> TestApp {
    spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        api_token: api_token.map(str::to_string),
        ..AppOptions::default()
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_staff_check_copy_register_follow_and_verify_dkim_in_a_browser() {
    if !browser_installed() {
        return;
    }
    let dns = FixtureDns::start_own();
    let app = app_with(&dns, None).await;
    let driver = Driver::start();
    let browser = driver.client().await;
    let base = app.url("");

    // Check a broken domain now, without registering it.
    browser.goto(&format!("{base}/")).await.unwrap();
    wait_title(&browser, "Check a domain now · sendercheck").await;
    browser
        .find(Locator::Css("#domain"))
        .await
        .unwrap()
        .send_keys("broken-spf.example")
        .await
        .unwrap();
    press(&browser, "Check now").await;
    let fix = "v=spf1 a include:spf.mandrillapp.com -all";
    wait_text(&browser, "section.record.fail .fix-value", fix).await;
    assert!(
        text(&browser, "section.record.fail .badge")
            .await
            .contains("fail")
    );
    // Copy the value: the button says so and the live region names what was copied.
    click(&browser, &format!("button[data-copy='{fix}']")).await;
    assert_eq!(
        copy_status(&browser, "Copied").await,
        format!("Copied: {fix}")
    );
    screenshot(&browser, "check").await;

    // Register it from the result; the domain's page follows.
    click(&browser, "form.register button").await;
    wait_title(&browser, "broken-spf.example · sendercheck").await;
    until_text(&browser, "section.record.fail", "spf").await;

    // The list: counts, search, filter.
    browser.goto(&format!("{base}/domains")).await.unwrap();
    assert!(
        text(&browser, "table.domains")
            .await
            .contains("broken-spf.example")
    );
    assert!(text(&browser, ".counts").await.contains("pending: 1"));
    let search = browser.find(Locator::Css("#q")).await.unwrap();
    search.send_keys("nomatch").await.unwrap();
    press(&browser, "Filter").await;
    wait_text(&browser, ".empty", "No registered domain matches.").await;
    browser
        .goto(&format!("{base}/domains?q=spf&status=pending"))
        .await
        .unwrap();
    screenshot(&browser, "domains").await;
    browser
        .find(Locator::LinkText("broken-spf.example"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // Pause and resume from the page.
    wait_title(&browser, "broken-spf.example · sendercheck").await;
    press(&browser, "Pause checks").await;
    wait_text(&browser, ".state", "paused: not checked").await;
    press(&browser, "Resume checks").await;
    wait_text(&browser, ".state", "running").await;

    // The customer fixes DNS; "check again" shows it verified, and the history says so.
    dns.replace_txt("broken-spf.example", &[vec![fix.to_string()]])
        .await;
    press(&browser, "Check again now").await;
    until_text(&browser, ".state", "verified").await;
    assert!(text(&browser, "ol.history").await.contains("verified"));
    screenshot(&browser, "domain").await;

    // Paste a signed message: pass.
    browser.goto(&format!("{base}/dkim")).await.unwrap();
    let msg = message();
    let signed = format!("{}{msg}", rsa_signature(&msg, Signing::relaxed("rsa")));
    browser
        .execute(
            "document.getElementById('message').value = arguments[0]",
            vec![json!(signed)],
        )
        .await
        .unwrap();
    press(&browser, "Verify DKIM").await;
    wait_text(&browser, "#dkim-result", "pass").await;
    assert!(
        text(&browser, "#authentication-results")
            .await
            .contains("dkim=pass")
    );
    screenshot(&browser, "dkim").await;
    // The same message as an uploaded .eml file, with a body changed after signing: fail.
    let file = tempfile::Builder::new().suffix(".eml").tempfile().unwrap();
    std::fs::write(
        file.path(),
        signed.replace("test message", "changed message"),
    )
    .unwrap();
    browser.goto(&format!("{base}/dkim")).await.unwrap();
    browser
        .find(Locator::Css("#file"))
        .await
        .unwrap()
        .send_keys(&file.path().display().to_string())
        .await
        .unwrap();
    press(&browser, "Verify DKIM").await;
    wait_text(&browser, "#dkim-result", "fail").await;
    assert!(text(&browser, "table.signatures").await.contains("body"));

    // At phone width nothing needs sideways scrolling.
    browser.set_window_size(390, 844).await.unwrap();
    for path in [
        "/?domain=broken-spf.example",
        "/domains",
        "/domains/broken-spf.example",
        "/dkim",
    ] {
        browser.goto(&format!("{base}{path}")).await.unwrap();
        let overflow = browser
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().is_some_and(|px| px <= 0),
            "{path}: {overflow} px too wide"
        );
    }
    screenshot(&browser, "phone").await;
    browser.set_window_size(1100, 1400).await.unwrap();

    // Delete the registration from its page.
    browser
        .goto(&format!("{base}/domains/broken-spf.example"))
        .await
        .unwrap();
    press(&browser, "Delete registration").await;
    wait_title(&browser, "Domains · sendercheck").await;
    wait_text(&browser, ".empty", "No registered domain matches.").await;
    browser.close().await.unwrap();
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_ask_for_the_token_once_and_refuse_forged_posts() {
    if !browser_installed() {
        return;
    }
    let dns = FixtureDns::start_own();
    let app = app_with(&dns, Some("s3cret-token")).await;
    let driver = Driver::start();
    let browser = driver.client().await;
    let base = app.url("");

    browser.goto(&format!("{base}/domains")).await.unwrap();
    wait_title(&browser, "Sign in · sendercheck").await;
    screenshot(&browser, "login").await;
    let sign_in = async |token: &str| {
        browser
            .find(Locator::Css("#token"))
            .await
            .unwrap()
            .send_keys(token)
            .await
            .unwrap();
        press(&browser, "Sign in").await;
    };
    sign_in("wrong").await;
    wait_text(&browser, ".problem", "not the API token").await;
    sign_in("s3cret-token").await;
    wait_title(&browser, "Domains · sendercheck").await;
    // Once signed in, every page opens.
    browser.goto(&format!("{base}/dkim")).await.unwrap();
    wait_title(&browser, "Verify a DKIM signature · sendercheck").await;

    // A forged post: the browser's own session cookie, but no CSRF token.
    let cookie = browser
        .get_named_cookie("sendercheck_session")
        .await
        .unwrap()
        .value()
        .to_string();
    let forged = reqwest::Client::new()
        .post(app.url("/domains"))
        .header("cookie", format!("sendercheck_session={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("domain=good.example&profile=mandrill")
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.text().await.unwrap().contains("CSRF"));
    // Nor with a token of another session.
    let other = reqwest::Client::new()
        .post(app.url("/domains"))
        .header("cookie", format!("sendercheck_session={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("domain=good.example&csrf={}", "0".repeat(64)))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 403);
    let registered = app.store.list(&Default::default(), None, 10).await.unwrap();
    assert!(
        registered.is_empty(),
        "nothing was registered: {registered:?}"
    );
    // Without a session at all, pages send the visitor to sign in.
    let anonymous = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(app.url("/domains"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 303);
    assert_eq!(
        anonymous.headers()["location"].to_str().unwrap(),
        "/login?next=/domains"
    );
    let cookie = anonymous.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    browser.close().await.unwrap();
    app.stop().await;
}

#[tokio::test]
async fn a_session_started_on_one_replica_is_good_on_another() {
    // Two daemons with the same API token, as behind a load balancer.
    let options = || AppOptions {
        api_token: Some("replica-shared-token".to_string()),
        ..AppOptions::default()
    };
    let (one, other) = (spawn_app(options()).await, spawn_app(options()).await);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = client.get(one.url("/login")).send().await.unwrap();
    let anonymous = crate::support::cookie_of(&form);
    let html = form.text().await.unwrap();
    let csrf = html
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("a CSRF token in the sign-in form");
    let signed_in = client
        .post(one.url("/login"))
        .header("cookie", &anonymous)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "csrf={csrf}&token=replica-shared-token&next=%2Fdomains"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.headers()["location"], "/domains");
    let session = crate::support::cookie_of(&signed_in);
    let page = client
        .get(other.url("/domains"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(
        page.status(),
        200,
        "the other replica asked to sign in again"
    );
    one.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn sign_in_never_redirects_off_the_site() {
    // The token-less mode sends /login straight on to `next`: the open redirect at its plainest.
    let app = spawn_app(AppOptions::default()).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for next in [
        "/%09/evil.example",
        "/%0A/evil.example",
        "/%0D%0A/evil.example",
        "/%20/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "/v1/domains",
    ] {
        let response = client
            .get(app.url(&format!("/login?next={next}")))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_redirection(), "{next}");
        assert_eq!(response.headers()["location"], "/", "{next}");
    }
    let kept = client
        .get(app.url("/login?next=/domains/shop.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["location"], "/domains/shop.example");
    app.stop().await;
}

#[tokio::test]
async fn pages_show_markup_from_dns_as_text_and_never_answer_5xx() {
    let app = spawn_app(AppOptions::default()).await;
    let client = reqwest::Client::new();
    let page = client
        .get(app.url("/?domain=xss.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{html}"
    );
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    // The only script is the page's own.
    assert_eq!(html.matches("<script").count(), 1);

    let hostile = [
        "/?domain=%3Cb%3E",
        "/?domain=a..b",
        "/?domain=good.example&profile=nope",
        "/?domain=good.example&param.unknown=1",
        "/?domain=good.example&edit=1",
        "/domains?status=bogus",
        "/domains?q=%F0%9F%92%A9",
        &format!("/domains?q={}", "x".repeat(400)),
        "/domains?after=%00",
        "/domains/%00",
        "/domains/not-registered.example",
        "/domains/..",
        "/domains.csv?status=nope",
        "/login?next=//evil.example",
        "/assets/none.css",
    ];
    for path in hostile {
        let response = client.get(app.url(path)).send().await.unwrap();
        assert!(
            response.status().as_u16() < 500,
            "{path}: {}",
            response.status()
        );
    }
    // Posts without a session, garbage bodies, a message that is not one.
    for (path, body) in [
        ("/domains", "domain=x"),
        ("/domains/good.example/check", ""),
        ("/domains/good.example/delete", "csrf=1"),
        ("/dkim", "not multipart"),
        ("/logout", "%%%"),
        ("/login", "token=x"),
    ] {
        let response = client
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().as_u16() < 500,
            "{path}: {}",
            response.status()
        );
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn support_staff_get_a_test_address_see_the_message_arrive_and_probe_a_gateway() {
    use crate::test_messages::{BOUNCE, dns, inbound, message, send_async};
    if !browser_installed() {
        return;
    }
    let dns = dns().await;
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        inbound: Some(inbound(None)),
        smtp: Some(sendercheck::smtp::policy::SmtpConfig {
            allowed: vec!["*".into(), "127.0.0.1".into()],
            ..Default::default()
        }),
        ..AppOptions::default()
    })
    .await;
    let (code, body) = app.register("signer.example", None).await;
    assert_eq!(code, 201, "{body}");
    let driver = Driver::start();
    let browser = driver.client().await;
    browser
        .goto(&app.url("/domains/signer.example"))
        .await
        .unwrap();
    wait_title(&browser, "signer.example · sendercheck").await;
    assert!(
        text(&browser, "#messages")
            .await
            .contains("No message received yet")
    );

    // Get an address and copy it, as support staff hand it to the customer.
    press(&browser, "Get a test address").await;
    let address = text(&browser, "#test-address").await;
    assert!(address.ends_with("@in.sendercheck.test"), "{address}");
    browser
        .find(Locator::Css("button[aria-label='Copy the test address']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let copied = copy_status(&browser, "Copied: ")
        .await
        .strip_prefix("Copied: ")
        .unwrap()
        .to_string();
    assert_eq!(copied, address);

    // The customer sends through their provider: the verdict appears without a reload.
    let smtp = app.smtp.unwrap();
    let data = message("test@signer.example", &copied, "browser-test", true);
    let out = send_async(smtp, "127.0.0.2", BOUNCE, vec![copied.clone()], data, false).await;
    assert_eq!(out, "sent []");
    wait_text(
        &browser,
        "#messages article.message.pass h3",
        "browser-test",
    )
    .await;
    let shown = text(&browser, "#messages article.message").await;
    assert!(shown.contains("DMARC passes for signer.example"), "{shown}");
    assert!(
        text(&browser, "#messages .authentication-results")
            .await
            .contains("dmarc=pass (p=reject) header.from=signer.example")
    );
    screenshot(&browser, "test-message").await;

    // Probe the test SMTP server from the same page; the password never comes back.
    let plain = crate::smtp::port("plain");
    fill_probe(
        &browser,
        &plain,
        &[("#probe-password", "never-shown-secret")],
    )
    .await;
    press(&browser, "Probe").await;
    wait_text(&browser, "#probe-result", "127.0.0.1").await;
    let result = text(&browser, "#probe-result").await;
    assert!(result.contains(&format!(":{plain}")), "{result}");
    let source = browser.source().await.unwrap();
    assert!(
        !source.contains("never-shown-secret"),
        "the password is not echoed"
    );
    assert!(text(&browser, "ol.steps").await.contains("greeting"));
    // The page still shows the message and the proven line after the probe.
    assert!(
        text(&browser, "#proven")
            .await
            .contains("Proven by a real message")
    );
    screenshot(&browser, "smtp-probe").await;
    browser.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_token_sees_every_page_and_no_button_that_changes_anything() {
    use sendercheck::auth::{NamedToken, Scope, digest};
    if !browser_installed() {
        return;
    }
    let dns = FixtureDns::start_own();
    let token = |name: &str, secret: &str, scope| NamedToken {
        name: name.to_string(),
        sha256: digest(secret),
        scope,
    };
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        tokens: vec![
            token("support", "support-read-token-0123", Scope::Read),
            token("ops", "ops-admin-token-0123456", Scope::Admin),
        ],
        ..AppOptions::default()
    })
    .await;
    let registered = app
        .client
        .put(app.url("/v1/domains/good.example"))
        .bearer_auth("ops-admin-token-0123456")
        .json(&json!({"verification_token": "GOODKEY"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status().as_u16(), 201);
    let driver = Driver::start();
    let browser = driver.client().await;
    let base = app.url("");
    browser.goto(&format!("{base}/domains")).await.unwrap();
    wait_title(&browser, "Sign in · sendercheck").await;
    browser
        .find(Locator::Css("#token"))
        .await
        .unwrap()
        .send_keys("support-read-token-0123")
        .await
        .unwrap();
    press(&browser, "Sign in").await;
    wait_title(&browser, "Domains · sendercheck").await;
    wait_text(&browser, ".signed-in", "Signed in as support (read)").await;
    for (path, title) in [
        ("/", "Check a domain now · sendercheck"),
        ("/?domain=good.example", "Check a domain now · sendercheck"),
        ("/domains", "Domains · sendercheck"),
        ("/domains/good.example", "good.example · sendercheck"),
        ("/dkim", "Verify a DKIM signature · sendercheck"),
    ] {
        browser.goto(&format!("{base}{path}")).await.unwrap();
        wait_title(&browser, title).await;
        // The only form that posts is sign-out; the rest (the list's filter) only read.
        for form in browser.find_all(Locator::Css("form")).await.unwrap() {
            let method = form.attr("method").await.unwrap().unwrap_or_default();
            let action = form.attr("action").await.unwrap().unwrap_or_default();
            assert!(
                !method.eq_ignore_ascii_case("post") || action == "/logout",
                "{path} offers {action} to a read token"
            );
        }
    }
    screenshot(&browser, "read-token-domain").await;
    // The check page did not check: a read token may not (POST /v1/check is `check`).
    browser
        .goto(&format!("{base}/?domain=good.example"))
        .await
        .unwrap();
    wait_text(&browser, ".needs-scope", "it needs check").await;
    assert!(browser.find(Locator::Css(".result")).await.is_err());

    // A form post made by hand with this session and its CSRF token is refused like the API.
    let cookie = browser
        .get_named_cookie("sendercheck_session")
        .await
        .unwrap()
        .value()
        .to_string();
    let csrf = browser
        .find(Locator::Css("form.logout input[name=csrf]"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    let forged = reqwest::Client::new()
        .post(app.url("/domains/good.example/delete"))
        .header("cookie", format!("sendercheck_session={cookie}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf={csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403);
    assert!(forged.text().await.unwrap().contains("needs write"));
    assert!(app.store.get("good.example").await.unwrap().is_some());
    browser.close().await.unwrap();
    app.stop().await;
}

/// Clicks the first element `css` matches.
async fn click(browser: &Client, css: &str) {
    browser
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("no {css}: {error}"))
        .click()
        .await
        .unwrap();
}

/// Fills the domain page's probe form for the plain test SMTP server on 127.0.0.1:`port`.
async fn fill_probe(browser: &Client, port: &str, more: &[(&str, &str)]) {
    let fields = [("#probe-host", "127.0.0.1"), ("#probe-port", port)];
    for (field, value) in fields.iter().chain(more) {
        browser
            .find(Locator::Css(field))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    browser
        .find(Locator::Css("#probe-security"))
        .await
        .unwrap()
        .select_by_value("none")
        .await
        .unwrap();
}

/// The `textContent` of the live region the copy buttons report to.
async fn copy_status(browser: &Client, starts: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let status = browser
            .execute(
                "return document.getElementById('copy-status').textContent",
                vec![],
            )
            .await
            .unwrap();
        if let Some(text) = status.as_str().filter(|text| text.starts_with(starts)) {
            return text.to_string();
        }
        assert!(Instant::now() < deadline, "copy status: {status}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_speak_french_and_portuguese_and_the_switch_keeps_the_page() {
    if !browser_installed() {
        return;
    }
    let dns = FixtureDns::start_own();
    let app = spawn_app(AppOptions {
        nameserver: Some(dns.addr),
        smtp: Some(sendercheck::smtp::policy::SmtpConfig {
            allowed: vec!["*".into(), "127.0.0.1".into()],
            ..Default::default()
        }),
        ..AppOptions::default()
    })
    .await;
    let driver = Driver::start();
    let browser = driver.client().await;

    // A check in French: the words are the API's French words, the fix the exact DNS value.
    browser
        .goto(&app.url("/?domain=broken-spf.example&lang=fr"))
        .await
        .unwrap();
    wait_title(&browser, "Vérifier un domaine maintenant · sendercheck").await;
    let html_lang = browser
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(html_lang, "fr");
    let fix = "v=spf1 a include:spf.mandrillapp.com -all";
    wait_text(&browser, "section.record.fail .fix-value", fix).await;
    let (code, api) = app
        .call(
            reqwest::Method::POST,
            "/v1/check?lang=fr",
            Some(json!({"domain": "broken-spf.example", "profile": "mandrill"})),
        )
        .await;
    assert_eq!(code, 200, "{api}");
    let spf = api["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|record| record["kind"] == "spf")
        .unwrap()
        .clone();
    let shown = text(&browser, "section.record.fail .message").await;
    assert_eq!(shown, spf["message"].as_str().unwrap());
    assert!(
        text(&browser, "section.record.fail .badge")
            .await
            .contains("en échec")
    );
    assert!(
        text(&browser, "section.record.fail .fix")
            .await
            .contains("Remplacer")
    );
    click(&browser, &format!("button[data-copy='{fix}']")).await;
    assert_eq!(
        copy_status(&browser, "Copié").await,
        format!("Copié : {fix}")
    );
    screenshot(&browser, "check-fr").await;

    // The switch to Portuguese keeps the page, its query and its result.
    browser
        .find(Locator::LinkText("Português"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_title(&browser, "Verificar um domínio agora · sendercheck").await;
    let url = browser.current_url().await.unwrap();
    assert_eq!(url.path(), "/");
    assert_eq!(
        url.query(),
        Some("domain=broken-spf.example&lang=pt"),
        "{url}"
    );
    wait_text(&browser, "section.record.fail .fix-value", fix).await;
    assert!(text(&browser, ".verdict").await.contains("Não está pronto"));
    // Registered from the page; the language stays without ?lang= (a cookie remembers it).
    click(&browser, "form.register button").await;
    wait_title(&browser, "broken-spf.example · sendercheck").await;
    assert!(
        text(&browser, "dl.state")
            .await
            .contains("Próxima verificação")
    );
    // Dates as Portuguese writes them: "3 de dezembro de 2026, 21:09:05 UTC".
    let next = text(&browser, "dl.state dd:last-of-type time").await;
    let year = chrono::Utc::now().format("%Y").to_string();
    assert!(
        next.contains(" de ") && next.contains(&format!(" de {year}, ")) && next.ends_with(" UTC"),
        "{next}"
    );

    // The probe in Portuguese.
    let plain = crate::smtp::port("plain");
    fill_probe(&browser, &plain, &[]).await;
    press(&browser, "Testar").await;
    wait_text(&browser, "#probe-result", "Gateway SMTP").await;
    assert!(text(&browser, "#probe-result").await.contains("aprovado"));
    let steps = text(&browser, "ol.steps").await;
    assert!(
        steps.contains("conectado a 127.0.0.1") && steps.contains("nenhum nome de usuário"),
        "{steps}"
    );
    screenshot(&browser, "probe-pt").await;

    // The DKIM box in French.
    browser.goto(&app.url("/dkim?lang=fr")).await.unwrap();
    wait_title(&browser, "Vérifier une signature DKIM · sendercheck").await;
    let msg = message();
    let signed = format!("{}{msg}", rsa_signature(&msg, Signing::relaxed("rsa")));
    browser
        .execute(
            "document.getElementById('message').value = arguments[0]",
            vec![json!(signed.replace("test message", "changed message"))],
        )
        .await
        .unwrap();
    press(&browser, "Vérifier DKIM").await;
    wait_text(&browser, "#dkim-result", "fail").await;
    let reason = text(&browser, "table.signatures").await;
    assert!(
        reason.contains("l'empreinte du corps ne correspond pas"),
        "{reason}"
    );
    assert!(
        text(&browser, "#authentication-results")
            .await
            .contains("dkim=fail")
    );
    screenshot(&browser, "dkim-fr").await;
    browser.close().await.unwrap();

    // Without ?lang= or the cookie, Accept-Language chooses; an unknown ?lang= is passed over.
    let page = |path: &'static str, accept: &'static str| {
        let client = reqwest::Client::new();
        let url = app.url(path);
        async move {
            client
                .get(url)
                .header("Accept-Language", accept)
                .send()
                .await
                .unwrap()
        }
    };
    let response = page("/dkim", "pt-BR,pt;q=0.9").await;
    assert!(
        response
            .headers()
            .get("set-cookie")
            .is_some_and(|c| !c.to_str().unwrap().contains("sendercheck_lang"))
    );
    let html = response.text().await.unwrap();
    assert!(html.contains("<html lang=\"pt\">"), "{html}");
    assert!(html.contains("Verificar DKIM"), "{html}");
    let html = page("/dkim?lang=xx", "fr").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"fr\">"), "{html}");
    let response = page("/dkim?lang=pt", "fr").await;
    let cookies: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|value| value.to_str().unwrap().to_string())
        .collect();
    assert!(
        cookies
            .iter()
            .any(|cookie| cookie.starts_with("sendercheck_lang=pt;")),
        "{cookies:?}"
    );
    app.stop().await;
}
