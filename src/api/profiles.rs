//! `GET /v1/profiles` and `GET /v1/profiles/{name}`: what each provider profile requires.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use crate::profile::{DkimSelector, Profile, RecordTemplate, Requirement};
use crate::text::Lang;

/// What one provider profile requires: its parameters and records, and (for the short form of
/// the first release) the same facts as `spf_include`, `dkim`, `dmarc` and `verification`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProfileObject {
    pub name: String,
    pub title: String,
    /// Where the provider documents these records.
    pub docs: Option<String>,
    /// The parameters a registration may give (`token` is the ownership token).
    pub params: BTreeMap<String, ParamObject>,
    /// The records, in the order their verdicts are shown.
    pub records: Vec<RequirementObject>,
    pub spf_include: Option<String>,
    pub dkim: Vec<DkimSelector>,
    pub dmarc: bool,
    pub verification: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ParamObject {
    pub description: String,
    pub required: bool,
    pub pattern: Option<String>,
    /// The value used when a registration gives none.
    pub default: Option<String>,
}

/// One requirement: a record (kind, name template over `{domain}` and parameters, what must
/// hold there), whether it blocks `ready`, when it applies, and any other accepted forms.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RequirementObject {
    pub kind: &'static str,
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: &'static str,
    pub expected: String,
    /// `false` for a recommended record: shown with its status, never blocking `ready`.
    pub required: bool,
    /// The parameters that must be given (`name`) or have a value (`name=value`) for the
    /// record to apply; empty when it always applies.
    pub when: Vec<String>,
    /// When several forms are accepted: each alternative's records (all must hold). The
    /// fields above describe the first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub any_of: Vec<Vec<RecordTemplateObject>>,
}

/// One record of an alternative.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RecordTemplateObject {
    pub kind: &'static str,
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: &'static str,
    pub expected: String,
}

impl RecordTemplateObject {
    /// The record, what must hold there in `lang`.
    pub fn new(record: &RecordTemplate, lang: Lang) -> Self {
        RecordTemplateObject {
            kind: record.expect.kind().as_str(),
            name: record.name.clone(),
            record_type: record.expect.record_type(),
            expected: record.expect.describe().render(lang),
        }
    }
}

impl RequirementObject {
    pub fn new(requirement: &Requirement, lang: Lang) -> Self {
        let first = RecordTemplateObject::new(&requirement.any_of[0][0], lang);
        RequirementObject {
            kind: first.kind,
            name: first.name,
            record_type: first.record_type,
            expected: first.expected,
            required: requirement.required,
            when: requirement.when.iter().map(ToString::to_string).collect(),
            any_of: if requirement.any_of.len() > 1 || requirement.any_of[0].len() > 1 {
                requirement
                    .any_of
                    .iter()
                    .map(|alternative| {
                        alternative
                            .iter()
                            .map(|record| RecordTemplateObject::new(record, lang))
                            .collect()
                    })
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

impl From<&Profile> for ProfileObject {
    fn from(profile: &Profile) -> Self {
        ProfileObject::new(profile, Lang::En)
    }
}

impl ProfileObject {
    /// The profile, each record's `expected` in `lang` (the profile's own descriptions are
    /// its author's words).
    pub fn new(profile: &Profile, lang: Lang) -> Self {
        ProfileObject {
            name: profile.name.clone(),
            title: profile.title.clone(),
            docs: profile.docs.clone(),
            params: profile
                .params
                .iter()
                .map(|(name, param)| {
                    (
                        name.clone(),
                        ParamObject {
                            description: param.description.clone(),
                            required: param.required,
                            pattern: param
                                .pattern
                                .as_ref()
                                .map(|pattern| pattern.as_str().to_string()),
                            default: param.default.clone(),
                        },
                    )
                })
                .collect(),
            records: profile
                .requirements
                .iter()
                .map(|requirement| RequirementObject::new(requirement, lang))
                .collect(),
            spf_include: profile.spf_include().map(str::to_string),
            dkim: profile.dkim(),
            dmarc: profile.dmarc(),
            verification: profile.verification().map(str::to_string),
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProfileList {
    pub profiles: Vec<ProfileObject>,
}

/// Every profile and what it requires.
#[utoipa::path(
    get,
    path = "/v1/profiles",
    tag = "domains",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profiles", body = ProfileList),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    super::extract::RequestLang(lang): super::extract::RequestLang,
) -> Json<ProfileList> {
    Json(ProfileList {
        profiles: state
            .profiles
            .load()
            .iter()
            .map(|profile| ProfileObject::new(profile, lang))
            .collect(),
    })
}

/// One profile: its parameters and records.
#[utoipa::path(
    get,
    path = "/v1/profiles/{name}",
    tag = "domains",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The profile's name")),
    responses(
        (status = 200, description = "The profile", body = ProfileObject),
        (status = 401, description = "Missing or wrong bearer token", body = super::error::ErrorBody),
        (status = 404, description = "No such profile", body = super::error::ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    super::extract::RequestLang(lang): super::extract::RequestLang,
    Path(name): Path<String>,
) -> Result<Json<ProfileObject>, ApiError> {
    state
        .profiles
        .load()
        .get(&name)
        .map(|profile| Json(ProfileObject::new(profile, lang)))
        .ok_or_else(|| {
            let shown: String = name.chars().take(64).collect();
            ApiError::not_found(format!("no profile {shown:?}"))
        })
}
