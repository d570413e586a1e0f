//! `GET /v1/profiles` and `GET /v1/profiles/{name}`: what each provider profile requires.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;

use super::AppState;
use super::error::ApiError;
use crate::profile::{DkimSelector, Expectation, Profile};

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
}

/// One required record: a kind, a name template over `{domain}` and parameters, and what must
/// hold there.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RequirementObject {
    pub kind: &'static str,
    pub name: String,
    #[serde(rename = "type")]
    pub record_type: &'static str,
    pub expected: String,
}

impl From<&Profile> for ProfileObject {
    fn from(profile: &Profile) -> Self {
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
                            pattern: param.pattern.clone(),
                        },
                    )
                })
                .collect(),
            records: profile
                .requirements
                .iter()
                .map(|requirement| {
                    let (kind, record_type, expected) = match &requirement.expect {
                        Expectation::SpfInclude(include) => (
                            "spf",
                            "TXT",
                            format!("an SPF record that authorises {include}"),
                        ),
                        Expectation::DkimCname(target) => {
                            ("dkim", "CNAME", format!("CNAME to {target}"))
                        }
                        Expectation::Dmarc => ("dmarc", "TXT", "a valid DMARC record".to_string()),
                        Expectation::VerificationTxt(value) => {
                            ("verification", "TXT", value.clone())
                        }
                    };
                    RequirementObject {
                        kind,
                        name: requirement.name.clone(),
                        record_type,
                        expected,
                    }
                })
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
pub async fn list(State(state): State<AppState>) -> Json<ProfileList> {
    Json(ProfileList {
        profiles: state.profiles.iter().map(ProfileObject::from).collect(),
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
    Path(name): Path<String>,
) -> Result<Json<ProfileObject>, ApiError> {
    state
        .profiles
        .get(&name)
        .map(|profile| Json(ProfileObject::from(profile)))
        .ok_or_else(|| {
            let shown: String = name.chars().take(64).collect();
            ApiError::not_found(format!("no profile {shown:?}"))
        })
}
