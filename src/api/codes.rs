//! `GET /v1/codes`: every code a finding may carry, with its message template in a language,
//! so an operator's software can map codes to its own words or actions.

use axum::Json;
use serde::Serialize;

use super::extract::RequestLang;
use crate::text::{self, codes};

/// Every code with its message template.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CodeList {
    /// In the order the codes are defined (grouped by area: `dns.`, `spf.`, `dkim.`, …).
    pub codes: Vec<CodeObject>,
}

/// One code and its message in the asked language, as a Fluent template: `{ $name }` is a
/// parameter (a domain, a term, a count), and a `{ $count -> … }` block picks a plural form.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CodeObject {
    /// Stable and dotted (`spf.include_missing`); once published, a code keeps its meaning.
    pub code: String,
    pub message: String,
    /// The parameters the message is given.
    pub params: Vec<String>,
}

#[utoipa::path(
    get,
    path = "/v1/codes",
    tag = "domains",
    security(("bearer" = [])),
    params(("lang" = Option<String>, Query, description = "en, fr or pt; else Accept-Language, else [defaults] lang")),
    responses(
        (status = 200, description = "Every code and its message template", body = CodeList),
        (status = 400, description = "A language sendercheck does not speak", body = super::error::ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
    )
)]
pub async fn list(RequestLang(lang): RequestLang) -> Json<CodeList> {
    Json(CodeList {
        codes: codes::ALL
            .iter()
            .map(|code| CodeObject {
                code: code.code.to_string(),
                message: text::template(code.code, lang).unwrap_or_default(),
                params: code.params.iter().map(|p| p.to_string()).collect(),
            })
            .collect(),
    })
}
