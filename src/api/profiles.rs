//! `GET /v1/profiles`: what each provider profile requires.

use axum::Json;
use axum::extract::State;
use serde::Serialize;

use super::AppState;
use crate::profile::{DkimSelector, Profile};

/// What one provider profile requires.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ProfileObject {
    pub name: String,
    pub spf_include: Option<String>,
    pub dkim: Vec<DkimSelector>,
    pub dmarc: bool,
    pub verification: Option<String>,
}

impl From<&Profile> for ProfileObject {
    fn from(profile: &Profile) -> Self {
        ProfileObject {
            name: profile.name.clone(),
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
