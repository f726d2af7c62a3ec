//! The Cloudflare Worker: the compiled scorer behind a small JSON API.
//!
//! - `POST /v1/recommend` with a signup (and optional `k`) -> the top genres;
//! - `GET /v1/genres` -> the genre vocabulary and the signup fields;
//! - `GET /health` -> `{"ok":true,"model":"<version>"}`.
//!
//! Every refusal is a JSON error `{"error":{"code":"...","message":"..."}}` with a 4xx
//! status, logged as one line that holds the route and the code but nothing the user sent.

use crate::compiled::MODEL_VERSION;
use crate::recommend::{describe, recommend_json};
use futures_util::StreamExt;
use serde_json::json;
use worker::{console_error, event, Context, Env, Request, Response, Result};

/// The largest request body accepted; a signup is a few hundred bytes.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// A refused request: HTTP status, stable code and a message for people.
struct Refusal {
    status: u16,
    code: &'static str,
    message: String,
    /// The `Allow` header of a 405.
    allow: Option<&'static str>,
}

impl Refusal {
    fn new(status: u16, code: &'static str, message: impl Into<String>) -> Refusal {
        Refusal {
            status,
            code,
            message: message.into(),
            allow: None,
        }
    }
}

#[event(fetch)]
async fn fetch(req: Request, _env: Env, _ctx: Context) -> Result<Response> {
    let method = req.method();
    let path = req.path();
    match route(req).await {
        Ok(response) => Ok(response),
        Err(refusal) => {
            console_error!("{method} {path}: {} {}", refusal.status, refusal.code);
            let body = json!({ "error": { "code": refusal.code, "message": refusal.message } });
            let mut response = Response::from_json(&body)?.with_status(refusal.status);
            if let Some(allowed) = refusal.allow {
                response.headers_mut().set("allow", allowed)?;
            }
            Ok(response)
        }
    }
}

async fn route(mut req: Request) -> std::result::Result<Response, Refusal> {
    let method = req.method();
    let allowed = match req.path().as_str() {
        "/v1/recommend" => "POST",
        "/v1/genres" | "/health" => "GET",
        path => return Err(Refusal::new(404, "not_found", format!("no route {path}"))),
    };
    if method.to_string() != allowed {
        let message = format!("{} takes {allowed}, not {method}", req.path());
        let refusal = Refusal::new(405, "method_not_allowed", message);
        return Err(Refusal {
            allow: Some(allowed),
            ..refusal
        });
    }
    match req.path().as_str() {
        "/v1/recommend" => {
            let body = read_json_body(&mut req).await?;
            let answer =
                recommend_json(&body).map_err(|e| Refusal::new(400, e.code(), e.to_string()))?;
            json_response(&answer)
        }
        "/v1/genres" => json_response(&describe()),
        _ => json_response(&json!({ "ok": true, "model": MODEL_VERSION })),
    }
}

/// The request body as text, after checking its type and size.
async fn read_json_body(req: &mut Request) -> std::result::Result<String, Refusal> {
    let content_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    let media_type = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if media_type != "application/json" {
        let message = "the request body must be application/json";
        return Err(Refusal::new(415, "unsupported_media_type", message));
    }
    let declared = req.headers().get("content-length").ok().flatten();
    if declared
        .and_then(|n| n.parse::<usize>().ok())
        .is_some_and(|n| n > MAX_BODY_BYTES)
    {
        return Err(too_large());
    }
    // A chunked body declares no length: read it chunk by chunk and keep at most the limit,
    // so that a huge body never has to fit in the isolate's memory. The rest is read and
    // dropped: a body left unread stalled the connection under `wrangler dev`.
    let unreadable = || Refusal::new(400, "invalid_body", "the request body could not be read");
    let mut stream = req.stream().map_err(|_| unreadable())?;
    let mut bytes = Vec::new();
    let mut too_long = false;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        too_long = too_long || bytes.len() + chunk.len() > MAX_BODY_BYTES;
        if !too_long {
            bytes.extend_from_slice(&chunk);
        }
    }
    if too_long {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map_err(|_| Refusal::new(400, "invalid_json", "the request body is not UTF-8"))
}

fn too_large() -> Refusal {
    Refusal::new(
        413,
        "payload_too_large",
        format!("the request body is over {MAX_BODY_BYTES} bytes"),
    )
}

fn json_response<T: serde::Serialize>(value: &T) -> std::result::Result<Response, Refusal> {
    // Serializing our own answer types cannot fail; if it ever did, say so as a 500.
    Response::from_json(value)
        .map_err(|_| Refusal::new(500, "internal", "the answer could not be serialized"))
}
