//! The web pages for support staff, served by the daemon itself: server-rendered HTML (maud),
//! one stylesheet, a little plain JavaScript for copy buttons. Every page works without
//! JavaScript. Paths (docs/reference.md): `/` check a domain now, `/domains` the list, `/domains/{domain}`
//! one domain, `/dkim` the paste box; plus `/login`, `/logout`, `/domains.csv` and `/assets/`.
//!
//! The pages call the same cores as the API (`check::check_any`, `domains::register`,
//! `domains::check_now`, `dkim::verify_message`): there is one way to check, register and
//! verify. Auth: with tokens configured (`[[tokens]]`, `server.api_token`), the pages ask for one
//! once and keep a signed session cookie naming it; each route needs a scope (`routes`, enforced
//! by `session_refusal`), and a page shows only the buttons its visitor's scope allows. Without
//! tokens (loopback only) they open directly. Every form post carries the session's CSRF token
//! (`session.rs`).

mod pages;
pub mod session;

use std::collections::BTreeMap;

use axum::extract::{Multipart, Path, Query, State};
use axum::http::Method;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::Markup;

use super::access::Who;
use super::check::CheckBody;
use super::domains::RegisterBody;
use super::error::ApiError;
use super::{AppState, Route, route};
use crate::domain::DomainName;
use crate::status::DomainStatus;
use crate::store::ListFilter;
use crate::text::{Arg, Lang, ui};
use pages::Nav;
use session::Session;

const STYLE: &str = include_str!("style.css");
const SCRIPT: &str = include_str!("app.js");
/// Domains on one page of the list.
const PAGE: u32 = 50;

/// The pages' routes (outside `/v1/`, so not in the OpenAPI document), each with the scope
/// its visitor's token needs: `read` to look, `check` to check or judge, `write` to change a
/// registration or make a test address. Sign-in and the assets are open.
pub fn routes(limits: &crate::config::Limits) -> Vec<Route> {
    use super::access::Access::{Page, Public};
    use crate::auth::Scope::{Admin, Check, Read, Write};
    // A pasted message may be as large as the DKIM endpoint accepts, plus the form's framing.
    let message_limit =
        axum::extract::DefaultBodyLimit::max(limits.max_message_bytes.saturating_add(64 * 1024));
    vec![
        route(Method::GET, "/", Page(Read), get(check_page)),
        route(Method::GET, "/domains", Page(Read), get(domains_page)),
        route(Method::POST, "/domains", Page(Write), post(register_action)),
        route(Method::GET, "/domains.csv", Page(Read), get(domains_csv)),
        route(
            Method::GET,
            "/domains/{domain}",
            Page(Read),
            get(domain_page),
        ),
        route(
            Method::POST,
            "/domains/{domain}/check",
            Page(Check),
            post(check_action),
        ),
        route(
            Method::POST,
            "/domains/{domain}/delete",
            Page(Write),
            post(delete_action),
        ),
        route(
            Method::POST,
            "/domains/{domain}/pause",
            Page(Write),
            post(pause_action),
        ),
        route(
            Method::POST,
            "/domains/{domain}/test-address",
            Page(Write),
            post(test_address_action),
        ),
        route(
            Method::GET,
            "/domains/{domain}/messages",
            Page(Read),
            get(messages_fragment),
        ),
        route(
            Method::POST,
            "/domains/{domain}/smtp-probe",
            Page(Check),
            post(probe_action),
        ),
        route(Method::GET, "/dkim", Page(Read), get(dkim_page)),
        route(
            Method::POST,
            "/dkim",
            Page(Check),
            post(dkim_action).layer(message_limit),
        ),
        route(Method::GET, "/audit", Page(Admin), get(audit_page)),
        route(Method::GET, "/login", Public, get(login_page)),
        route(Method::POST, "/login", Public, post(login_action)),
        route(Method::POST, "/logout", Public, post(logout_action)),
        route(
            Method::GET,
            "/assets/style.css",
            Public,
            get(|| async { asset(STYLE, "text/css; charset=utf-8") }),
        ),
        route(
            Method::GET,
            "/assets/app.js",
            Public,
            get(|| async { asset(SCRIPT, "text/javascript; charset=utf-8") }),
        ),
    ]
}

/// A page route's `Access::Page(needed)`, with tokens configured: the session must be signed
/// in (else to the sign-in page) with a token that has `needed` (else 403, naming the token and
/// the scope needed — so a forged form post is refused as the API refuses it).
/// Why a page request may not go on: `None` when its signed-in session's token has the scope
/// (the `Caller` is then set), else the redirect to sign in or the refusal page.
pub(super) fn session_refusal(
    state: &AppState,
    tokens: &crate::auth::Tokens,
    needed: crate::auth::Scope,
    request: &mut axum::extract::Request,
) -> Option<Response> {
    let keys = state.ui_keys.load_full();
    let session = keys.session(request.headers(), tokens);
    let Some(token) = session.as_ref().and_then(|session| session.token.clone()) else {
        if request.method() != Method::GET {
            // A form post without a signed-in session: refused before its body is read.
            let lang = PageLang::of(state, request.headers(), request.uri());
            return Some(refused_form(&lang, "ui-page-refused_no_token_session"));
        }
        let wanted = request
            .uri()
            .path_and_query()
            .map_or("/", |path| path.as_str());
        let mut response = Redirect::to(&format!("/login?next={}", encode(wanted))).into_response();
        // The sign-in form's session (its CSRF token), started here.
        if session.is_none() {
            let anonymous = keys.issue(None);
            response.headers_mut().insert(
                header::SET_COOKIE,
                session::set_cookie(&keys, &anonymous, request.headers()),
            );
        }
        return Some(response);
    };
    if !token.scope.allows(needed) {
        state.metrics.auth_failure("forbidden_scope");
        let lang = PageLang::of(state, request.headers(), request.uri());
        let message = ui(
            lang.lang,
            "ui-page-refused_scope",
            &[
                ("token", Arg::from(&token.name)),
                ("scope", Arg::from(token.scope.to_string())),
                ("needed", Arg::from(needed.to_string())),
            ],
        );
        return Some(page(
            StatusCode::FORBIDDEN,
            &ui(lang.lang, "ui-page-title_not_allowed", &[]),
            Nav::None,
            &lang.chrome(None),
            pages::problem(&message),
        ));
    }
    request.extensions_mut().insert(super::access::Caller {
        name: token.name.clone(),
        scope: token.scope,
    });
    None
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The pages' language, and where the page is (for the language switch): `?lang=` (then
/// remembered in a cookie), else the `sendercheck_lang` cookie, else `Accept-Language`, else
/// `[defaults] lang`. An unknown `?lang=` is passed over: the switch offers only known ones.
#[derive(Clone, Debug)]
struct PageLang {
    lang: Lang,
    /// Chosen by `?lang=`: the response sets the cookie.
    remember: bool,
    /// The page's path and query without `lang`.
    here: String,
}

const LANG_COOKIE: &str = "sendercheck_lang";

impl PageLang {
    fn of(state: &AppState, headers: &HeaderMap, uri: &axum::http::Uri) -> PageLang {
        let pairs = Query::<Vec<(String, String)>>::try_from_uri(uri)
            .map(|query| query.0)
            .unwrap_or_default();
        let asked = pairs
            .iter()
            .find(|(key, _)| key == "lang")
            .and_then(|(_, value)| Lang::parse(value));
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(key, _)| key != "lang")
            .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
            .collect();
        let here = if kept.is_empty() {
            uri.path().to_string()
        } else {
            format!("{}?{}", uri.path(), kept.join("&"))
        };
        let remembered = session::cookie(headers, LANG_COOKIE).and_then(Lang::parse);
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .and_then(Lang::negotiate);
        PageLang {
            lang: asked.or(remembered).or(accepted).unwrap_or(state.lang),
            remember: asked.is_some(),
            here,
        }
    }

    fn chrome(&self, signed_in: Option<pages::SignedIn>) -> pages::Chrome {
        pages::Chrome {
            lang: self.lang,
            here: self.here.clone(),
            signed_in,
        }
    }

    fn t(&self, id: &str) -> String {
        ui(self.lang, id, &[])
    }
}

impl axum::extract::FromRequestParts<AppState> for PageLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(PageLang::of(state, &parts.headers, &parts.uri))
    }
}

/// A page's access: the session (made when there is none) and the cookie to set, or the
/// redirect to the sign-in page; and its language.
struct Visit {
    session: Session,
    set_cookie: Option<HeaderValue>,
    csrf: String,
    lang: PageLang,
}

/// The page that refuses a form post (`id`: its message in the catalogs).
fn refused_form(lang: &PageLang, id: &str) -> Response {
    page(
        StatusCode::FORBIDDEN,
        &lang.t("ui-page-title_refused"),
        Nav::None,
        &lang.chrome(None),
        pages::problem(&lang.t(id)),
    )
}

impl Visit {
    fn open(
        state: &AppState,
        headers: &HeaderMap,
        path: &str,
        lang: PageLang,
    ) -> Result<Visit, Box<Response>> {
        let keys = &*state.ui_keys.load_full();
        let tokens = state.tokens.load();
        let (session, fresh) = match keys.session(headers, &tokens) {
            Some(session) => (session, false),
            None => (keys.issue(None), true),
        };
        if !tokens.is_empty() && session.token.is_none() {
            let mut response =
                Redirect::to(&format!("/login?next={}", encode(path))).into_response();
            if fresh {
                response.headers_mut().insert(
                    header::SET_COOKIE,
                    session::set_cookie(keys, &session, headers),
                );
            }
            return Err(Box::new(response));
        }
        Ok(Visit {
            csrf: keys.csrf(&session),
            set_cookie: fresh.then(|| session::set_cookie(keys, &session, headers)),
            session,
            lang,
        })
    }

    /// A form post: the session must exist (signed in when a token is configured) and the
    /// form must carry its CSRF token.
    /// The session a form post comes with, signed in when a token is configured: checked from
    /// the headers alone, so a post without one is refused before its body is read.
    fn signed_in_session(
        state: &AppState,
        headers: &HeaderMap,
        lang: &PageLang,
    ) -> Result<session::Session, Box<Response>> {
        let tokens = state.tokens.load();
        let Some(session) = state.ui_keys.load().session(headers, &tokens) else {
            return Err(Box::new(refused_form(lang, "ui-page-refused_no_session")));
        };
        if !tokens.is_empty() && session.token.is_none() {
            return Err(Box::new(Redirect::to("/login").into_response()));
        }
        Ok(session)
    }

    /// `here`: the page the post belongs to (where the language switch leads).
    fn post(
        state: &AppState,
        headers: &HeaderMap,
        csrf: Option<&str>,
        mut lang: PageLang,
        here: &str,
    ) -> Result<Visit, Box<Response>> {
        let keys = &*state.ui_keys.load_full();
        lang.here = here.to_string();
        let session = Visit::signed_in_session(state, headers, &lang)?;
        if !csrf.is_some_and(|csrf| keys.csrf_matches(&session, csrf)) {
            return Err(Box::new(refused_form(&lang, "ui-page-refused_csrf")));
        }
        Ok(Visit {
            csrf: keys.csrf(&session),
            set_cookie: None,
            session,
            lang,
        })
    }

    /// The frame of this visitor's pages.
    fn chrome(&self, state: &AppState) -> pages::Chrome {
        self.lang.chrome(self.signed_in(state))
    }

    fn t(&self, id: &str) -> String {
        self.lang.t(id)
    }

    /// A whole page for this visitor.
    fn page(
        self,
        state: &AppState,
        status: StatusCode,
        title: &str,
        nav: Nav,
        body: Markup,
    ) -> Response {
        let chrome = self.chrome(state);
        self.respond(page(status, title, nav, &chrome, body))
    }

    /// Who is signed in, for the header (with tokens configured).
    fn signed_in(&self, _state: &AppState) -> Option<pages::SignedIn> {
        self.session.token.as_ref().map(|token| pages::SignedIn {
            csrf: self.csrf.clone(),
            name: token.name.clone(),
            scope: token.scope,
        })
    }

    /// What this visitor's buttons may do: everything without tokens, else the token's scope.
    fn can(&self, state: &AppState) -> pages::Can {
        if state.tokens.load().is_empty() {
            pages::Can::ALL
        } else {
            pages::Can::scope(self.session.scope())
        }
    }

    fn respond(self, mut response: Response) -> Response {
        if let Some(cookie) = self.set_cookie {
            response.headers_mut().append(header::SET_COOKIE, cookie);
        }
        if self.lang.remember {
            // Not HttpOnly-sensitive (a language), but kept like the session: this site only.
            let cookie = format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                self.lang.lang.as_str()
            );
            if let Ok(cookie) = HeaderValue::from_str(&cookie) {
                response.headers_mut().append(header::SET_COOKIE, cookie);
            }
        }
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// A whole page with `status`.
fn page(
    status: StatusCode,
    title: &str,
    nav: Nav,
    chrome: &pages::Chrome,
    body: Markup,
) -> Response {
    let mut response = (status, pages::layout(title, nav, chrome, body)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; \
             connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

/// An API error as a page with its status and message.
fn error_page(visit: Visit, state: &AppState, title: &str, nav: Nav, error: ApiError) -> Response {
    let status = error.status;
    let body = pages::problem(&error.message);
    visit.page(state, status, title, nav, body)
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The `param.NAME` fields of a form or query.
fn params_of(fields: &[(String, String)]) -> BTreeMap<String, String> {
    fields
        .iter()
        .filter_map(|(key, value)| {
            let name = key.strip_prefix("param.")?;
            let value = value.trim();
            (!value.is_empty()).then(|| (name.to_string(), value.to_string()))
        })
        .collect()
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

async fn check_page(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Query(fields): Query<Vec<(String, String)>>,
) -> Response {
    let visit = match Visit::open(&state, &headers, "/", lang) {
        Ok(visit) => visit,
        Err(redirect) => return *redirect,
    };
    let all_profiles = state.profiles.load();
    let default_profile = state.default_profile.load();
    let profiles: Vec<_> = all_profiles.iter().collect();
    let chosen_name = field(&fields, "profile")
        .filter(|name| !name.is_empty())
        .unwrap_or(&default_profile)
        .to_string();
    let Some(chosen) = all_profiles.get(&chosen_name) else {
        let error = ApiError::bad_request(
            "unknown_profile",
            format!("no profile is named {chosen_name:?}"),
        );
        let title = visit.t("ui-page-title_check");
        return error_page(visit, &state, &title, Nav::Check, error);
    };
    let domain = field(&fields, "domain").unwrap_or("").trim().to_string();
    let params = params_of(&fields);
    let can = visit.can(&state);
    let lang = visit.lang.lang;
    let form = pages::check_form(&profiles, chosen, &domain, &params, can, lang);
    let editing = field(&fields, "edit").is_some();
    // A check runs only for a token that may check (the API's `POST /v1/check` is `check`).
    let result = if domain.is_empty() || editing || !can.check {
        pages::nothing()
    } else {
        let body = CheckBody {
            domain: domain.clone(),
            profile: Some(chosen.name.clone()),
            params: params.clone(),
        };
        match super::check::check_any(&state, body).await {
            Ok(report) => pages::report(&report, &visit.csrf, &params, can, lang),
            Err(error) => pages::problem(&error.message),
        }
    };
    let body = maud::html! { (form) (result) };
    let title = visit.t("ui-page-title_check");
    visit.page(&state, StatusCode::OK, &title, Nav::Check, body)
}

async fn register_action(
    State(state): State<AppState>,
    Who(actor): Who,
    lang: PageLang,
    headers: HeaderMap,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let visit = match Visit::post(&state, &headers, field(&fields, "csrf"), lang, "/") {
        Ok(visit) => visit,
        Err(refused) => return *refused,
    };
    let domain = match DomainName::parse_sender(field(&fields, "domain").unwrap_or("")) {
        Ok(domain) => domain,
        Err(error) => {
            let error = ApiError::bad_request("invalid_domain", error.to_string());
            let title = visit.t("ui-page-title_register");
            return error_page(visit, &state, &title, Nav::Check, error);
        }
    };
    let body = RegisterBody {
        profile: field(&fields, "profile").map(str::to_string),
        verification_token: None,
        params: Some(params_of(&fields)),
        paused: None,
    };
    match super::domains::register(&state, domain, body, &actor).await {
        Ok((_, record)) => {
            visit.respond(Redirect::to(&format!("/domains/{}", record.domain)).into_response())
        }
        Err(error) => {
            let title = visit.t("ui-page-title_register");
            error_page(visit, &state, &title, Nav::Check, error)
        }
    }
}

async fn domains_page(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Query(fields): Query<Vec<(String, String)>>,
) -> Response {
    let visit = match Visit::open(&state, &headers, "/domains", lang) {
        Ok(visit) => visit,
        Err(redirect) => return *redirect,
    };
    let title = visit.t("ui-page-title_domains");
    let (filter, q) = match list_filter(&fields) {
        Ok(found) => found,
        Err(error) => return error_page(visit, &state, &title, Nav::Domains, error),
    };
    let after = field(&fields, "after").filter(|after| !after.is_empty());
    let listed = state.store.list(&filter, after, PAGE + 1).await;
    let counts = state.store.count_by_status().await;
    let (mut domains, counts) = match (listed, counts) {
        (Ok(domains), Ok(counts)) => (domains, counts),
        (Err(error), _) | (_, Err(error)) => {
            return error_page(visit, &state, &title, Nav::Domains, error.into());
        }
    };
    let query = |extra: &str| {
        let mut parts = Vec::new();
        if let Some(status) = filter.status {
            parts.push(format!("status={}", status.as_str()));
        }
        if !q.is_empty() {
            parts.push(format!("q={}", encode(&q)));
        }
        if !extra.is_empty() {
            parts.push(extra.to_string());
        }
        parts.join("&")
    };
    let next = if domains.len() > PAGE as usize {
        domains.truncate(PAGE as usize);
        domains.last().map(|last| {
            format!(
                "/domains?{}",
                query(&format!("after={}", encode(&last.domain)))
            )
        })
    } else {
        None
    };
    let csv = format!("/domains.csv?{}", query(""));
    let body = pages::domain_list(
        &counts,
        filter.status,
        &q,
        &domains,
        next.as_deref(),
        &csv,
        visit.lang.lang,
    );
    visit.page(&state, StatusCode::OK, &title, Nav::Domains, body)
}

/// The list filter of `status` and `q` fields (an empty one means any).
fn list_filter(fields: &[(String, String)]) -> Result<(ListFilter, String), ApiError> {
    let status = match field(fields, "status").filter(|status| !status.is_empty()) {
        Some(status) => Some(
            status
                .parse::<DomainStatus>()
                .map_err(|error| ApiError::bad_request("invalid_parameter", error.to_string()))?,
        ),
        None => None,
    };
    let q = field(fields, "q").unwrap_or("").trim().to_string();
    let contains = super::domains::search_text(&q)?;
    Ok((
        ListFilter {
            status,
            contains,
            paused: None,
        },
        q,
    ))
}

async fn audit_page(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Query(fields): Query<Vec<(String, String)>>,
) -> Response {
    let visit = match Visit::open(&state, &headers, "/audit", lang) {
        Ok(visit) => visit,
        Err(redirect) => return *redirect,
    };
    let title = visit.t("ui-page-title_audit");
    let params: BTreeMap<String, String> = fields
        .into_iter()
        .filter(|(key, _)| key != "lang")
        .collect();
    let entries = match super::audit::parse_query(&params) {
        Ok((filter, limit)) => match state.store.audit(&filter, limit).await {
            Ok(entries) => Ok((filter, entries)),
            Err(error) => Err(ApiError::from(error)),
        },
        Err(error) => Err(error),
    };
    match entries {
        Ok((filter, entries)) => {
            let body = pages::audit(&entries, &filter, visit.lang.lang);
            visit.page(&state, StatusCode::OK, &title, Nav::Audit, body)
        }
        Err(error) => error_page(visit, &state, &title, Nav::Audit, error),
    }
}

async fn domains_csv(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Query(fields): Query<Vec<(String, String)>>,
) -> Response {
    let visit = match Visit::open(&state, &headers, "/domains", lang) {
        Ok(visit) => visit,
        Err(redirect) => return *redirect,
    };
    match list_filter(&fields) {
        Ok((filter, _)) => visit.respond(super::domains::csv_export(state, filter, None, None)),
        Err(error) => {
            let title = visit.t("ui-page-title_domains");
            error_page(visit, &state, &title, Nav::Domains, error)
        }
    }
}

async fn domain_page(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Path(domain): Path<String>,
) -> Response {
    let visit = match Visit::open(&state, &headers, &format!("/domains/{domain}"), lang) {
        Ok(visit) => visit,
        Err(redirect) => return *redirect,
    };
    let shown: String = domain.chars().take(64).collect();
    let Ok(name) = DomainName::parse(&domain) else {
        let error =
            ApiError::bad_request("invalid_domain", format!("{shown:?} is not a domain name"));
        let title = visit.t("ui-page-title_domain");
        return error_page(visit, &state, &title, Nav::Domains, error);
    };
    render_domain(visit, &state, &name, (&pages::ProbeForm::default(), None)).await
}

/// Messages shown on a domain page, newest first.
const PAGE_MESSAGES: u32 = 10;

/// A domain's page: its state, records, test message, probe form (with a report when one was
/// just run) and history.
async fn render_domain(
    visit: Visit,
    state: &AppState,
    name: &DomainName,
    probe: (
        &pages::ProbeForm,
        Option<Result<&crate::smtp::Report, &str>>,
    ),
) -> Response {
    let record = match state.store.get(name.as_str()).await {
        Ok(Some(record)) => record,
        Ok(None) => {
            let error = ApiError::not_found(format!("{name} is not registered"));
            return error_page(visit, state, name.as_str(), Nav::Domains, error);
        }
        Err(error) => return error_page(visit, state, name.as_str(), Nav::Domains, error.into()),
    };
    let inbound_domain = state.test_addresses.domain.as_deref();
    let now = state.scheduler.now();
    let gathered = tokio::try_join!(
        state.store.history(name.as_str()),
        state.store.messages(name.as_str(), PAGE_MESSAGES),
        async {
            match inbound_domain {
                Some(_) => state.store.live_test_address(name.as_str(), now).await,
                None => Ok(None),
            }
        },
    );
    let (history, messages, address) = match gathered {
        Ok(gathered) => gathered,
        Err(error) => return error_page(visit, state, name.as_str(), Nav::Domains, error.into()),
    };
    let tests = pages::TestMessages {
        inbound_domain,
        address: address.zip(inbound_domain).map(|(address, domain)| {
            (
                format!("{}@{domain}", address.local_part),
                address.expires_at,
            )
        }),
        messages: &messages,
    };
    let body = pages::domain_detail(
        &record,
        &history,
        &visit.csrf,
        &tests,
        probe,
        visit.can(state),
        visit.lang.lang,
    );
    visit.page(state, StatusCode::OK, name.as_str(), Nav::Domains, body)
}

/// The messages part of a domain page alone, which the page fetches every few seconds so
/// messages appear as they arrive.
async fn messages_fragment(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Path(domain): Path<String>,
) -> Response {
    let visit = match Visit::open(&state, &headers, &format!("/domains/{domain}"), lang) {
        Ok(visit) => visit,
        Err(redirect) => return *redirect,
    };
    let Ok(name) = DomainName::parse(&domain) else {
        return visit.respond(StatusCode::BAD_REQUEST.into_response());
    };
    let lang = visit.lang.lang;
    match state.store.messages(name.as_str(), PAGE_MESSAGES).await {
        Ok(messages) => visit.respond(
            (
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                pages::message_list(lang, &messages),
            )
                .into_response(),
        ),
        Err(error) => visit.respond(ApiError::from(error).into_response()),
    }
}

async fn test_address_action(
    State(state): State<AppState>,
    Who(actor): Who,
    lang: PageLang,
    headers: HeaderMap,
    Path(domain): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, name) = match domain_post(&state, &headers, &domain, &fields, lang) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    match super::messages::issue(&state, &name, &actor).await {
        Ok(_) => {
            visit.respond(Redirect::to(&format!("/domains/{name}#test-message")).into_response())
        }
        Err(error) => error_page(visit, &state, name.as_str(), Nav::Domains, error),
    }
}

async fn probe_action(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Path(domain): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, name) = match domain_post(&state, &headers, &domain, &fields, lang) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let text = |key: &str| field(&fields, key).unwrap_or_default().trim().to_string();
    let form = pages::ProbeForm {
        host: text("host"),
        port: text("port"),
        security: text("security"),
        username: text("username"),
        helo: text("helo"),
    };
    let port = match form.port.as_str() {
        "" => Ok(None),
        port => port.parse::<u16>().map(Some).map_err(|_| {
            ui(
                visit.lang.lang,
                "ui-page-bad_port",
                &[("port", Arg::from(port))],
            )
        }),
    };
    let outcome = match port {
        Err(message) => Err(message),
        Ok(port) => {
            let non_empty = |value: &str| (!value.is_empty()).then(|| value.to_string());
            let body = super::smtp::ProbeBody {
                host: non_empty(&form.host),
                port,
                security: non_empty(&form.security),
                preset: None,
                username: non_empty(&form.username),
                password: field(&fields, "password")
                    .filter(|password| !password.is_empty())
                    .map(str::to_string),
                ca_pem: None,
                insecure: false,
                allow_plaintext_auth: false,
                helo: non_empty(&form.helo),
                timeout: None,
            };
            super::smtp::run(&state, body)
                .await
                .map(|mut report| {
                    report.localize(visit.lang.lang);
                    report
                })
                .map_err(|error| error.message.clone())
        }
    };
    let shown = match &outcome {
        Ok(report) => Ok(report),
        Err(message) => Err(message.as_str()),
    };
    render_domain(visit, &state, &name, (&form, Some(shown))).await
}

/// A form post about one domain: the visit (CSRF checked) and the domain's name.
fn domain_post(
    state: &AppState,
    headers: &HeaderMap,
    domain: &str,
    fields: &[(String, String)],
    lang: PageLang,
) -> Result<(Visit, DomainName), Box<Response>> {
    let here = format!("/domains/{}", encode(domain));
    let visit = Visit::post(state, headers, field(fields, "csrf"), lang, &here)?;
    match DomainName::parse(domain) {
        Ok(name) => Ok((visit, name)),
        Err(error) => {
            let error = ApiError::bad_request("invalid_domain", error.to_string());
            let title = visit.t("ui-page-title_domain");
            Err(Box::new(error_page(
                visit,
                state,
                &title,
                Nav::Domains,
                error,
            )))
        }
    }
}

async fn check_action(
    State(state): State<AppState>,
    Who(actor): Who,
    lang: PageLang,
    headers: HeaderMap,
    Path(domain): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, name) = match domain_post(&state, &headers, &domain, &fields, lang) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    match super::domains::check_now(&state, &name, &actor).await {
        Ok(_) => visit.respond(Redirect::to(&format!("/domains/{name}")).into_response()),
        Err(error) => error_page(visit, &state, name.as_str(), Nav::Domains, error),
    }
}

async fn delete_action(
    State(state): State<AppState>,
    Who(actor): Who,
    lang: PageLang,
    headers: HeaderMap,
    Path(domain): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, name) = match domain_post(&state, &headers, &domain, &fields, lang) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    match state
        .store
        .unregister_as(name.as_str(), state.scheduler.now(), Some(&actor))
        .await
    {
        Ok(_) => visit.respond(Redirect::to("/domains").into_response()),
        Err(error) => error_page(visit, &state, name.as_str(), Nav::Domains, error.into()),
    }
}

async fn pause_action(
    State(state): State<AppState>,
    Who(actor): Who,
    lang: PageLang,
    headers: HeaderMap,
    Path(domain): Path<String>,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    let (visit, name) = match domain_post(&state, &headers, &domain, &fields, lang) {
        Ok(posted) => posted,
        Err(refused) => return *refused,
    };
    let body = RegisterBody {
        paused: Some(field(&fields, "paused") == Some("true")),
        ..RegisterBody::default()
    };
    match super::domains::register(&state, name.clone(), body, &actor).await {
        Ok(_) => visit.respond(Redirect::to(&format!("/domains/{name}")).into_response()),
        Err(error) => error_page(visit, &state, name.as_str(), Nav::Domains, error),
    }
}

async fn dkim_page(State(state): State<AppState>, lang: PageLang, headers: HeaderMap) -> Response {
    let visit = match Visit::open(&state, &headers, "/dkim", lang) {
        Ok(visit) => visit,
        Err(redirect) => return *redirect,
    };
    let body = pages::dkim_form(&visit.csrf, "", visit.can(&state), visit.lang.lang);
    let title = visit.t("ui-page-title_dkim");
    visit.page(&state, StatusCode::OK, &title, Nav::Dkim, body)
}

async fn dkim_action(
    State(state): State<AppState>,
    mut lang: PageLang,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    lang.here = "/dkim".to_string();
    // Up to max_message_bytes may follow: no byte of it is read for a visitor who is not
    // signed in (the CSRF token, inside the body, is checked once it is read).
    if let Err(refused) = Visit::signed_in_session(&state, &headers, &lang) {
        return *refused;
    }
    // The fields: csrf, message (text), file (an upload, preferred when not empty), all read
    // within server.body_timeout.
    let mut csrf = None;
    let mut pasted = Vec::new();
    let mut uploaded = Vec::new();
    let mut unreadable = None;
    let reading = async {
        loop {
            match multipart.next_field().await {
                Ok(Some(part)) => {
                    let name = part.name().unwrap_or("").to_string();
                    match part.bytes().await {
                        Ok(bytes) => match name.as_str() {
                            "csrf" => csrf = Some(String::from_utf8_lossy(&bytes).into_owned()),
                            "message" => pasted = bytes.to_vec(),
                            "file" => uploaded = bytes.to_vec(),
                            _ => {}
                        },
                        Err(error) => {
                            unreadable = Some(error.body_text());
                            break;
                        }
                    }
                }
                Ok(None) => break,
                Err(error) => {
                    unreadable = Some(error.body_text());
                    break;
                }
            }
        }
    };
    if tokio::time::timeout(state.body_timeout, reading)
        .await
        .is_err()
    {
        return super::extract::body_too_slow().into_response();
    }
    let visit = match Visit::post(&state, &headers, csrf.as_deref(), lang, "/dkim") {
        Ok(visit) => visit,
        Err(refused) => return *refused,
    };
    let lang = visit.lang.lang;
    let title = visit.t("ui-page-title_dkim");
    if let Some(problem) = unreadable {
        let error = ApiError::bad_request(
            "not_a_message",
            format!("the form could not be read: {problem}"),
        );
        return error_page(visit, &state, &title, Nav::Dkim, error);
    }
    let message = if uploaded.is_empty() {
        pasted
    } else {
        uploaded
    };
    let shown = String::from_utf8_lossy(&message).into_owned();
    let form = pages::dkim_form(&visit.csrf, &shown, visit.can(&state), lang);
    let (status, result) = if message.len() > state.limits.max_message_bytes {
        (
            StatusCode::PAYLOAD_TOO_LARGE,
            pages::problem(&visit.t("ui-page-too_large")),
        )
    } else {
        match super::dkim::verify_message(&state, &message, false).await {
            Ok(mut verdict) => {
                verdict.localize(lang);
                (StatusCode::OK, pages::dkim_verdict(lang, &verdict))
            }
            Err(error) => (error.status, pages::problem(&error.message)),
        }
    };
    let body = maud::html! { (result) (form) };
    visit.page(&state, status, &title, Nav::Dkim, body)
}

/// Where a sign-in may lead: a page of this site only.
/// Where to go after signing in: a page of this site, else `/`. Browsers drop tabs and line
/// breaks from a `Location` and read `\` as `/`, so `/\t/evil.example` would leave the site:
/// any control character, whitespace or backslash refuses `next`, and so does a path that is
/// not one of the pages (an absolute URL, `//host`, the API).
fn safe_next(next: Option<&str>) -> String {
    const PAGES: [&str; 4] = ["/", "/domains", "/domains.csv", "/dkim"];
    let Some(next) = next else {
        return "/".to_string();
    };
    let clean = !next
        .chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let a_page = PAGES.contains(&path)
        || path
            .strip_prefix("/domains/")
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if clean && a_page {
        next.to_string()
    } else {
        "/".to_string()
    }
}

async fn login_page(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    Query(fields): Query<Vec<(String, String)>>,
) -> Response {
    let keys = &*state.ui_keys.load_full();
    let next = safe_next(field(&fields, "next"));
    let tokens = state.tokens.load();
    if tokens.is_empty() {
        return Redirect::to(&next).into_response();
    }
    let (session, fresh) = match keys.session(&headers, &tokens) {
        Some(session) => (session, false),
        None => (keys.issue(None), true),
    };
    let visit = Visit {
        csrf: keys.csrf(&session),
        set_cookie: fresh.then(|| session::set_cookie(keys, &session, &headers)),
        session,
        lang,
    };
    let lang = visit.lang.lang;
    let body = pages::login(&visit.csrf, &next, field(&fields, "failed").is_some(), lang);
    let title = visit.t("ui-page-title_sign_in");
    // Nobody is signed in on this page: no sign-out form in the header.
    let chrome = visit.lang.chrome(None);
    visit.respond(page(StatusCode::OK, &title, Nav::None, &chrome, body))
}

async fn login_action(
    State(state): State<AppState>,
    connect: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    mut lang: PageLang,
    headers: HeaderMap,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    // Sign-in is where a token is guessed through the pages: limited like the API.
    let client = connect.map(|axum::Extension(axum::extract::ConnectInfo(peer))| peer.ip());
    let now = std::time::Instant::now();
    if let Some(left) = client.and_then(|ip| state.auth_failures.blocked_for(ip, now)) {
        state.metrics.auth_failure("rate_limited");
        lang.here = "/login".to_string();
        let message = ui(
            lang.lang,
            "ui-page-too_many_sign_ins",
            &[("seconds", Arg::from(left.as_secs().max(1)))],
        );
        return page(
            StatusCode::TOO_MANY_REQUESTS,
            &lang.t("ui-page-title_too_many"),
            Nav::None,
            &lang.chrome(None),
            pages::problem(&message),
        );
    }
    let keys = &*state.ui_keys.load_full();
    let next = safe_next(field(&fields, "next"));
    let tokens = state.tokens.load_full();
    if tokens.is_empty() {
        return Redirect::to(&next).into_response();
    }
    // The sign-in form's session is anonymous; its CSRF token is still required.
    let Some(session) = keys.session(&headers, &tokens) else {
        return Redirect::to("/login").into_response();
    };
    if !field(&fields, "csrf").is_some_and(|csrf| keys.csrf_matches(&session, csrf)) {
        lang.here = "/login".to_string();
        return refused_form(&lang, "ui-page-refused_sign_in");
    }
    let Some(token) = tokens.find(field(&fields, "token").unwrap_or("")) else {
        state.metrics.auth_failure("unknown");
        if let Some(ip) = client {
            state.auth_failures.failed(ip, now);
        }
        return Redirect::to(&format!("/login?failed=1&next={}", encode(&next))).into_response();
    };
    // A new session on sign-in: an identifier seen before signing in never becomes a signed-in
    // one.
    let signed_in = keys.issue(Some(token.clone()));
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session::set_cookie(keys, &signed_in, &headers),
    );
    response
}

async fn logout_action(
    State(state): State<AppState>,
    lang: PageLang,
    headers: HeaderMap,
    axum::Form(fields): axum::Form<Vec<(String, String)>>,
) -> Response {
    if let Err(refused) = Visit::post(&state, &headers, field(&fields, "csrf"), lang, "/") {
        return *refused;
    }
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .insert(header::SET_COOKIE, session::clear_cookie());
    response
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn sign_in_returns_only_to_a_page_of_this_site() {
        for kept in [
            "/",
            "/domains",
            "/domains?status=failing&q=shop",
            "/domains/shop.example",
            "/dkim",
        ] {
            assert_eq!(safe_next(Some(kept)), kept);
        }
        for refused in [
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/ /evil.example",
            "//evil.example",
            "/\\evil.example",
            "/domains\\..\\..",
            "https://evil.example/",
            "evil.example",
            "/v1/domains",
            "/domains//evil.example",
            "/\u{0}x",
            "/domains/\u{2028}",
        ] {
            assert_eq!(safe_next(Some(refused)), "/", "{refused:?}");
        }
        assert_eq!(safe_next(None), "/");
    }
}
