//! `GET /openapi.json`: the OpenAPI 3.1 document, generated from the handlers' annotations and
//! the response types. A test fails when a route of the router is missing from it.

use axum::Json;
use axum::extract::State;

use super::AppState;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::error::{ErrorBody, ErrorDetail};
use super::{check, dkim, domains, health, metrics, profiles};

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "sendercheck",
        description = "Whether each customer's sender domain is ready to send: registrations, \
                       record verdicts with the exact fix, status history, DKIM verdicts for raw \
                       messages. When server.api_token is set, every /v1/ request needs \
                       `Authorization: Bearer TOKEN`."
    ),
    paths(
        health::healthz,
        health::readyz,
        metrics::scrape,
        document,
        domains::list,
        domains::put,
        domains::get,
        domains::delete,
        domains::check,
        domains::history,
        super::messages::create_test_address,
        super::messages::list,
        check::check,
        profiles::list,
        profiles::get,
        super::codes::list,
        dkim::verify,
        super::webhooks::list,
        super::webhooks::retry,
        super::smtp::probe,
        super::audit::list,
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        super::profiles::RecordTemplateObject,
        super::webhooks::EventObject
    )),
    modifiers(&BearerToken),
    tags(
        (name = "domains", description = "Registered sender domains and their verdicts"),
        (name = "dkim", description = "DKIM verdicts for raw messages"),
        (name = "smtp", description = "Tests of customers' SMTP gateways: connection, TLS, certificate, login"),
        (name = "webhooks", description = "Deliveries of status-change events to the configured endpoints"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
pub struct ApiDoc;

/// This document.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", body = Object))
)]
pub async fn document(State(state): State<AppState>) -> Json<serde_json::Value> {
    let mut document = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    // The profiles are configuration: this daemon's names are the only values `profile` takes.
    let profiles = state.profiles.load_full();
    let mut names: Vec<serde_json::Value> = profiles.names().map(Into::into).collect();
    // Left out or null: the stored profile (mandrill for a new domain).
    names.push(serde_json::Value::Null);
    for body in ["RegisterBody", "CheckBody"] {
        if let Some(profile) = document
            .pointer_mut(&format!("/components/schemas/{body}/properties/profile"))
            .and_then(serde_json::Value::as_object_mut)
        {
            profile.insert("enum".to_string(), serde_json::json!(names));
        }
    }
    // Likewise the parameters: the names the profiles declare, each with its pattern when
    // every profile declaring it agrees on one.
    let mut declared: std::collections::BTreeMap<&str, Vec<&crate::profile::Param>> =
        std::collections::BTreeMap::new();
    for profile in profiles.iter() {
        for (name, param) in &profile.params {
            declared.entry(name).or_default().push(param);
        }
    }
    let mut properties = serde_json::Map::new();
    for (name, params) in declared {
        let first = params[0];
        let mut schema = serde_json::json!({"type": "string", "description": first.description});
        if params.len() > 1 {
            schema["description"] = serde_json::json!(format!(
                "{} (as each profile declaring it describes; see GET /v1/profiles)",
                first.description
            ));
        }
        if let Some(pattern) = &first.pattern
            && params
                .iter()
                .all(|param| param.pattern.as_ref() == Some(pattern))
        {
            schema["pattern"] = serde_json::json!(pattern.as_str());
        }
        properties.insert(name.to_string(), schema);
    }
    for body in ["RegisterBody", "CheckBody"] {
        if let Some(params) = document
            .pointer_mut(&format!("/components/schemas/{body}/properties/params"))
            .and_then(serde_json::Value::as_object_mut)
        {
            params.insert(
                "properties".to_string(),
                serde_json::Value::Object(properties.clone()),
            );
            params.insert("additionalProperties".to_string(), serde_json::json!(false));
        }
    }
    Json(document)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Limits;

    #[test]
    fn every_route_of_the_router_is_documented() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert_eq!(document["openapi"], "3.1.0");
        let paths = document["paths"].as_object().expect("paths");
        let routes = super::super::routes(&Limits::default());
        for route in &routes {
            let method = route.method.as_str().to_ascii_lowercase();
            let operation = paths
                .get(route.path)
                .and_then(|item| item.get(&method))
                .unwrap_or_else(|| {
                    panic!("{} {} is not in /openapi.json", route.method, route.path)
                });
            assert!(
                operation["responses"]
                    .as_object()
                    .is_some_and(|r| !r.is_empty()),
                "{} {} documents no response",
                route.method,
                route.path
            );
        }
        let documented: usize = paths
            .values()
            .map(|item| item.as_object().map_or(0, |methods| methods.len()))
            .sum();
        assert_eq!(
            documented,
            routes.len(),
            "the document has routes the router lacks"
        );
    }

    #[test]
    fn v1_operations_declare_bearer_security_and_errors() {
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        assert!(document["components"]["securitySchemes"]["bearer"].is_object());
        let get = &document["paths"]["/v1/domains/{domain}"]["get"];
        assert!(get["security"].is_array());
        for status in ["200", "400", "401", "404"] {
            assert!(
                get["responses"][status].is_object(),
                "GET domain lacks {status}"
            );
        }
        for schema in [
            "DomainObject",
            "RecordCheck",
            "Fix",
            "DkimVerdict",
            "ErrorBody",
        ] {
            assert!(
                document["components"]["schemas"][schema].is_object(),
                "schema {schema} missing"
            );
        }
    }

    #[test]
    fn the_document_states_the_limits_the_server_enforces() {
        // A schema-driven client must not generate values the server then refuses.
        let document = serde_json::to_value(ApiDoc::openapi()).unwrap();
        let list = &document["paths"]["/v1/domains"]["get"]["parameters"];
        let limit = list
            .as_array()
            .unwrap()
            .iter()
            .find(|parameter| parameter["name"] == "limit")
            .expect("limit");
        assert_eq!(limit["schema"]["minimum"], 1, "{limit}");
        assert_eq!(limit["schema"]["maximum"], 1000, "{limit}");
        let put = &document["paths"]["/v1/domains/{domain}"]["put"]["parameters"][0];
        assert_eq!(put["schema"]["maxLength"], 254, "{put}");
        let token =
            &document["components"]["schemas"]["RegisterBody"]["properties"]["verification_token"];
        assert_eq!(token["maxLength"], 255, "{token}");
        assert_eq!(token["pattern"], "^[!-~]*$", "{token}");
        let statuses = &document["components"]["schemas"]["DomainStatus"]["enum"];
        for status in ["pending", "verified", "failing"] {
            assert!(
                statuses.as_array().unwrap().iter().any(|s| s == status),
                "{statuses}"
            );
        }
    }
}
