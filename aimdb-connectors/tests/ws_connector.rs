//! The WebSocket connector against a real client (tokio-tungstenite): values arrive with
//! key, value and timestamp; a client without the token is refused with 401 (the `Bearer`
//! scheme in any case); a page of another origin is refused with 403, the server's own and
//! an allow-listed origin are not; a write to a
//! record the node does not take from the socket is rejected and counted; a client that
//! reconnects gets the current value at once; the page and the graph are served; a
//! named-codec link's contract travels in the envelope and a write of another version is
//! refused with its own code and counted.

use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aimdb_connectors::ws::{WsConfig, WsConnector};
use aimdb_core::buffer::BufferKind;
use aimdb_core::connector::{CodecError, Connector, InboundRoute};
use aimdb_core::contract::{self, Fingerprint};
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

const READING: &str = "climate/zone-a/reading";
const SETPOINT: &str = "climate/zone-a/setpoint";
const TOKEN: &str = "s3cret-token";

/// What the setpoint route delivered, in order.
static SETPOINTS: Mutex<Vec<f64>> = Mutex::new(Vec::new());

/// The setpoint record's deserializer and produce, as generated code would route it: a
/// JSON number, anything else is malformed.
fn deliver_setpoint(payload: &[u8]) -> Result<(), CodecError> {
    let value: f64 = serde_json::from_slice(payload).map_err(|_| CodecError::Malformed)?;
    SETPOINTS.lock().unwrap().push(value);
    Ok(())
}

static ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: SETPOINT,
    deliver: deliver_setpoint,
}];

/// A connector on a free port with the token, the setpoint route and the reading
/// registered as `SingleLatest`.
fn start() -> &'static WsConnector {
    start_with(Vec::new())
}

/// [`start`], with `allowed_origins`.
fn start_with(allowed_origins: Vec<String>) -> &'static WsConnector {
    let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
    config.token = Some(TOKEN.into());
    config.allowed_origins = allowed_origins;
    config.graph = Some(GRAPH.into());
    let ws = WsConnector::start(config).expect("start");
    ws.attach(&ROUTES);
    ws.register_outbound(READING, BufferKind::SingleLatest);
    ws
}

async fn connect(ws: &WsConnector, query: &str) -> Result<Client, WsError> {
    let url = format!("ws://{}/ws{query}", ws.local_addr());
    connect_async(url).await.map(|(client, _)| client)
}

/// Connect with extra request headers (tungstenite sends `Host` from the URL, no `Origin`).
async fn connect_with(
    ws: &WsConnector,
    query: &str,
    headers: &[(&'static str, &str)],
) -> Result<Client, WsError> {
    let mut request = format!("ws://{}/ws{query}", ws.local_addr())
        .into_client_request()
        .unwrap();
    for (name, value) in headers {
        request.headers_mut().append(*name, value.parse().unwrap());
    }
    connect_async(request).await.map(|(client, _)| client)
}

/// The HTTP status an upgrade was refused with (panics if it was accepted).
fn refused(result: Result<Client, WsError>) -> u16 {
    match result {
        Err(WsError::Http(response)) => response.status().as_u16(),
        Err(other) => panic!("failed without an HTTP answer: {other}"),
        Ok(_) => panic!("accepted"),
    }
}

/// The next text message as JSON (within 2 s).
async fn next(client: &mut Client) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(2), client.next())
            .await
            .expect("a message within 2 s")
            .expect("the socket is open")
            .expect("a valid frame");
        if let Message::Text(text) = message {
            return serde_json::from_str(&text).expect("JSON");
        }
    }
}

/// Nothing arrives within `wait`.
async fn quiet(client: &mut Client, wait: Duration) {
    if let Ok(Some(Ok(Message::Text(text)))) = tokio::time::timeout(wait, client.next()).await {
        panic!("unexpected message: {text}");
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

async fn publish(ws: &WsConnector, address: &str, value: Value) {
    std::future::poll_fn(|cx| ws.poll_ready(cx)).await;
    ws.publish(address, value.to_string().as_bytes())
        .expect("published");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_arrive_with_key_value_and_timestamp_in_order() {
    let ws = start();
    let mut client = connect(ws, &format!("?token={TOKEN}")).await.unwrap();
    let hello = next(&mut client).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["readable"], json!([READING]));
    assert_eq!(hello["writable"], json!([SETPOINT]));

    let before = now_ms();
    for i in 0..50 {
        publish(
            ws,
            READING,
            json!({ "seq": i, "celsius": 20.0 + f64::from(i) / 4.0 }),
        )
        .await;
    }
    let after = now_ms();
    for i in 0..50 {
        let message = next(&mut client).await;
        assert_eq!(message["type"], "value");
        assert_eq!(message["key"], READING);
        assert_eq!(
            message["value"],
            json!({ "seq": i, "celsius": 20.0 + f64::from(i) / 4.0 })
        );
        assert_eq!(message["seq"], i + 1);
        let ts = message["ts"].as_u64().expect("ts in ms");
        assert!(
            (before..=after).contains(&ts),
            "{before} <= {ts} <= {after}"
        );
    }
    assert_eq!(ws.link_stats(READING).unwrap().sent, 50);
    assert_eq!(ws.stats().clients, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_without_the_token_is_refused_with_401() {
    let ws = start();
    for query in ["", "?token=wrong", "?token=s3cret-toke", "?token="] {
        match connect(ws, query).await {
            Err(WsError::Http(response)) => assert_eq!(response.status(), 401, "{query}"),
            other => panic!("`{query}` was not refused: {:?}", other.map(|_| ())),
        }
    }
    assert_eq!(ws.stats().unauthorized, 4);
    assert_eq!(ws.stats().sessions, 0);

    // The header, as non-browser clients send it, and the query, as the page does.
    let mut request = format!("ws://{}/ws", ws.local_addr())
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("Authorization", format!("Bearer {TOKEN}").parse().unwrap());
    let (mut by_header, _) = connect_async(request)
        .await
        .expect("bearer header accepted");
    assert_eq!(next(&mut by_header).await["type"], "hello");
    let mut by_query = connect(ws, &format!("?token={TOKEN}")).await.unwrap();
    assert_eq!(next(&mut by_query).await["type"], "hello");
    assert_eq!(ws.stats().sessions, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bearer_scheme_is_matched_in_any_case_and_the_token_exactly() {
    let ws = start();
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let value = format!("{scheme} {TOKEN}");
        let mut client = connect_with(ws, "", &[("Authorization", &value)])
            .await
            .unwrap_or_else(|e| panic!("`{value}` refused: {e}"));
        assert_eq!(next(&mut client).await["type"], "hello", "{value}");
    }
    assert_eq!(ws.stats().sessions, 3);
    let wrong = [
        format!("bearer {}", TOKEN.to_uppercase()),
        "bearer wrong".to_owned(),
        format!("Basic {TOKEN}"),
        format!("Bearer{TOKEN}"),
        TOKEN.to_owned(),
    ];
    for value in &wrong {
        let status = refused(connect_with(ws, "", &[("Authorization", value)]).await);
        assert_eq!(status, 401, "{value}");
    }
    let stats = ws.stats();
    assert_eq!(
        (stats.unauthorized, stats.sessions),
        (wrong.len() as u64, 3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_of_another_origin_is_refused_with_403_even_with_the_token() {
    let ws = start();
    let port = ws.local_addr().port();
    let query = format!("?token={TOKEN}");
    let other_port = format!("http://127.0.0.1:{}", port.wrapping_add(1));
    let https = format!("https://127.0.0.1:{port}");
    let cross_site = [
        "http://evil.example",
        "https://evil.example",
        "null",
        other_port.as_str(),
        https.as_str(),
    ];
    for origin in cross_site {
        let status = refused(connect_with(ws, &query, &[("Origin", origin)]).await);
        assert_eq!(status, 403, "{origin}");
    }
    // Refused before the token is looked at: a wrong token is still a 403, not a 401.
    let wrong =
        refused(connect_with(ws, "?token=wrong", &[("Origin", "http://evil.example")]).await);
    assert_eq!(wrong, 403);
    let stats = ws.stats();
    assert_eq!(
        (stats.forbidden, stats.unauthorized, stats.sessions),
        (cross_site.len() as u64 + 1, 0, 0)
    );

    // The server's own origin (the page it serves), in any case; no Origin at all.
    for origin in [
        format!("http://127.0.0.1:{port}"),
        format!("HTTP://127.0.0.1:{port}"),
    ] {
        let mut client = connect_with(ws, &query, &[("Origin", &origin)])
            .await
            .unwrap_or_else(|e| panic!("{origin} refused: {e}"));
        assert_eq!(next(&mut client).await["type"], "hello");
    }
    let mut plain = connect(ws, &query).await.unwrap();
    assert_eq!(next(&mut plain).await["type"], "hello");
    // The right origin does not stand in for the token.
    let own = format!("http://127.0.0.1:{port}");
    assert_eq!(
        refused(connect_with(ws, "", &[("Origin", &own)]).await),
        401
    );
    let stats = ws.stats();
    assert_eq!(
        (stats.forbidden, stats.unauthorized, stats.sessions),
        (cross_site.len() as u64 + 1, 1, 3)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_allow_listed_origin_is_accepted_and_the_list_replaces_the_default() {
    let ws = start_with(vec!["https://dash.example.com".into()]);
    let port = ws.local_addr().port();
    let query = format!("?token={TOKEN}");
    for origin in ["https://dash.example.com", "HTTPS://Dash.Example.COM:443"] {
        let mut client = connect_with(ws, &query, &[("Origin", origin)])
            .await
            .unwrap_or_else(|e| panic!("{origin} refused: {e}"));
        assert_eq!(next(&mut client).await["type"], "hello");
    }
    let own = format!("http://127.0.0.1:{port}");
    for origin in [
        "https://dash.example.com:8443",
        "http://dash.example.com",
        "https://evil.dash.example.com",
        own.as_str(),
    ] {
        let status = refused(connect_with(ws, &query, &[("Origin", origin)]).await);
        assert_eq!(status, 403, "{origin}");
    }
    let stats = ws.stats();
    assert_eq!((stats.sessions, stats.forbidden), (2, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_reach_only_link_from_records_and_the_rest_is_rejected_and_counted() {
    let ws = start();
    let mut client = connect(ws, &format!("?token={TOKEN}")).await.unwrap();
    next(&mut client).await; // hello

    let send = |value: Value| Message::Text(value.to_string().into());
    client
        .send(send(json!({ "key": SETPOINT, "value": 22.5 })))
        .await
        .unwrap();
    assert_eq!(
        next(&mut client).await,
        json!({ "type": "written", "key": SETPOINT })
    );
    assert_eq!(*SETPOINTS.lock().unwrap(), [22.5]);

    // The reading is published by the node, not written by browsers.
    client
        .send(send(json!({ "key": READING, "value": 99 })))
        .await
        .unwrap();
    let error = next(&mut client).await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["key"], READING);
    let why = error["error"].as_str().unwrap();
    assert!(why.contains("not writable"), "{why}");
    client
        .send(send(json!({ "key": "no/such/record", "value": 1 })))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await["key"], "no/such/record");
    assert_eq!(ws.stats().rejected, 2);

    // Not a write at all; a value the record's deserializer refuses.
    client.send(Message::Text("not json".into())).await.unwrap();
    assert_eq!(next(&mut client).await["key"], Value::Null);
    client.send(send(json!({ "value": 1 }))).await.unwrap();
    assert_eq!(next(&mut client).await["type"], "error");
    assert_eq!(ws.stats().malformed, 2);
    client
        .send(send(json!({ "key": SETPOINT, "value": "warm" })))
        .await
        .unwrap();
    let error = next(&mut client).await;
    assert!(
        error["error"]
            .as_str()
            .unwrap()
            .contains("malformed payload"),
        "{error}"
    );

    assert_eq!(
        *SETPOINTS.lock().unwrap(),
        [22.5],
        "nothing else was produced"
    );
    let stats = ws.link_stats(SETPOINT).unwrap();
    assert_eq!((stats.received, stats.decode_errors), (1, 1));
    // The connection survived every refusal.
    client
        .send(send(json!({ "key": SETPOINT, "value": 19 })))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await["type"], "written");
    assert_eq!(*SETPOINTS.lock().unwrap(), [22.5, 19.0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_reconnects_gets_the_current_value_at_once() {
    let ws = start();
    // A mailbox link: its values are one-shot, not replayed.
    ws.register_outbound("climate/zone-a/command", BufferKind::Mailbox);
    let query = format!("?token={TOKEN}");
    let mut client = connect(ws, &query).await.unwrap();
    next(&mut client).await; // hello
    for i in 0..5 {
        publish(ws, READING, json!(i)).await;
    }
    publish(ws, "climate/zone-a/command", json!("open")).await;
    for _ in 0..6 {
        next(&mut client).await;
    }
    client.close(None).await.unwrap();
    drop(client);

    // Produced while nobody watched: the reconnecting client must see 7, and only 7.
    publish(ws, READING, json!(6)).await;
    publish(ws, READING, json!(7)).await;
    let mut again = connect(ws, &query).await.unwrap();
    let hello = next(&mut again).await;
    assert_eq!(hello["type"], "hello");
    let current = next(&mut again).await;
    assert_eq!(
        (current["key"].as_str(), &current["value"]),
        (Some(READING), &json!(7))
    );
    assert_eq!(current["seq"], 7);
    quiet(&mut again, Duration::from_millis(200)).await;

    // Then live values, each once, with no gap after the replayed one.
    publish(ws, READING, json!(8)).await;
    assert_eq!(next(&mut again).await["value"], json!(8));
    assert_eq!(ws.stats().sessions, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payload_that_is_not_json_is_counted_not_sent() {
    let ws = start();
    let mut client = connect(ws, &format!("?token={TOKEN}")).await.unwrap();
    next(&mut client).await; // hello
    ws.publish(READING, &[0x00, 0x00, 0xa0, 0x41]).unwrap(); // 20.0f32, little-endian
    ws.publish(READING, b"{\"celsius\":").unwrap();
    publish(ws, READING, json!(20.0)).await;
    assert_eq!(next(&mut client).await["value"], json!(20.0));
    let stats = ws.link_stats(READING).unwrap();
    assert_eq!((stats.sent, stats.not_json), (1, 2));
}

/// A plain HTTP GET: status line and body.
async fn get(ws: &WsConnector, target: &str) -> (String, String) {
    let mut stream = TcpStream::connect(ws.local_addr()).await.unwrap();
    let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_owned(), body.to_owned())
}

/// A picture as `aimdb graph --format json` prints it.
const GRAPH: &str = r#"{"nodes":[],"outside":[],"edges":[]}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_and_the_graph_are_served_on_the_same_port() {
    let ws = start();
    let (status, page) = get(ws, "/").await;
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("<script src=\"app.js\""), "{page}");
    assert_eq!(get(ws, "/app.js").await.0, "HTTP/1.1 200 OK");
    assert_eq!(get(ws, "/graph").await.0, "HTTP/1.1 401 Unauthorized");
    let (status, graph) = get(ws, &format!("/graph?token={TOKEN}")).await;
    assert_eq!(
        (status.as_str(), graph.as_str()),
        ("HTTP/1.1 200 OK", GRAPH)
    );
    assert_eq!(get(ws, "/nope").await.0, "HTTP/1.1 404 Not Found");
    assert_eq!(
        ws.page_url(),
        format!("http://{}/?token={TOKEN}", ws.local_addr())
    );
    let masked = ws.masked_page_url();
    assert_eq!(
        masked,
        format!("http://{}/?token=s3…(12 chars)", ws.local_addr())
    );
    assert!(!masked.contains(TOKEN), "{masked}");
}

#[test]
fn start_outside_a_runtime_or_on_a_port_in_use_is_an_error() {
    let config = WsConfig::new("127.0.0.1:0".parse().unwrap());
    assert!(matches!(
        WsConnector::start(config),
        Err(aimdb_connectors::ws::WsError::NoRuntime)
    ));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let first = start();
        let taken = WsConfig::new(first.local_addr());
        let error = WsConnector::start(taken).unwrap_err();
        assert!(error.to_string().starts_with("cannot listen on"), "{error}");
    });
}

/// The contract both contract-checked links of [`contracts_travel_in_the_envelope`] declare.
const OURS: Fingerprint = Fingerprint(*b"\x01\x23\x45\x67\x89\xab\xcd\xef");
const CHECKED_READING: &str = "contract/reading";
const CHECKED_SETPOINT: &str = "contract/setpoint";
static CHECKED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// A named-codec route as generated code does it: the header first, then the JSON.
fn deliver_checked(payload: &[u8]) -> Result<(), CodecError> {
    let (fingerprint, body) = contract::split(payload)?;
    if fingerprint != OURS {
        return Err(CodecError::SchemaMismatch);
    }
    let body = std::str::from_utf8(body).map_err(|_| CodecError::Malformed)?;
    CHECKED.lock().unwrap().push(body.to_string());
    Ok(())
}

static CHECKED_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: CHECKED_SETPOINT,
    deliver: deliver_checked,
}];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn contracts_travel_in_the_envelope_and_another_version_is_refused_with_its_code() {
    let mut config = WsConfig::new("127.0.0.1:0".parse().unwrap());
    config.token = Some(TOKEN.into());
    let ws = WsConnector::start(config).expect("start");
    ws.attach(&CHECKED_ROUTES);
    ws.register_outbound(CHECKED_READING, BufferKind::SingleLatest);
    ws.declare_contract(CHECKED_READING, OURS);
    ws.declare_contract(CHECKED_SETPOINT, OURS);
    let mut client = connect(ws, &format!("?token={TOKEN}")).await.unwrap();
    let hello = next(&mut client).await;
    assert_eq!(
        hello["contracts"],
        json!({ CHECKED_READING: OURS.to_string(), CHECKED_SETPOINT: OURS.to_string() }),
        "{hello}"
    );

    // The node's header becomes the envelope's `fingerprint`; the value stays plain JSON.
    let mut payload = OURS.0.to_vec();
    payload.extend_from_slice(br#"{"celsius":21.5}"#);
    std::future::poll_fn(|cx| ws.poll_ready(cx)).await;
    ws.publish(CHECKED_READING, &payload).expect("published");
    let value = next(&mut client).await;
    assert_eq!(value["value"], json!({ "celsius": 21.5 }));
    // Its bytes as one little-endian number, as every log and page prints it.
    assert_eq!(value["fingerprint"], "efcdab8967452301");

    let send = |value: Value| Message::Text(value.to_string().into());
    // Without a fingerprint the node's own is assumed; with its own, delivered as well.
    client
        .send(send(json!({ "key": CHECKED_SETPOINT, "value": 20 })))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await["type"], "written");
    client
        .send(send(
            json!({ "key": CHECKED_SETPOINT, "value": 21, "fingerprint": OURS.to_string() }),
        ))
        .await
        .unwrap();
    assert_eq!(next(&mut client).await["type"], "written");
    // Another version: refused with the code, counted, and the connection stays.
    client
        .send(send(
            json!({ "key": CHECKED_SETPOINT, "value": 22, "fingerprint": "ffffffffffffffff" }),
        ))
        .await
        .unwrap();
    let error = next(&mut client).await;
    assert_eq!(error["type"], "error");
    assert_eq!(error["key"], CHECKED_SETPOINT);
    assert_eq!(error["code"], "schema_mismatch", "{error}");
    // Not 16 hex digits: malformed, not a mismatch.
    client
        .send(send(
            json!({ "key": CHECKED_SETPOINT, "value": 23, "fingerprint": "v1" }),
        ))
        .await
        .unwrap();
    let error = next(&mut client).await;
    assert_eq!(error["code"], Value::Null, "{error}");
    let stats = ws.link_stats(CHECKED_SETPOINT).unwrap();
    assert_eq!((stats.received, stats.schema_mismatch), (2, 1));
    assert_eq!(ws.stats().malformed, 1);
    assert_eq!(*CHECKED.lock().unwrap(), ["20", "21"]);
}

/// What the peer test's route delivered (its own, so the tests running at once do not
/// share it).
static PEER_SETPOINTS: Mutex<Vec<f64>> = Mutex::new(Vec::new());
const PEER_SETPOINT: &str = "peer/setpoint";

fn deliver_peer_setpoint(payload: &[u8]) -> Result<(), CodecError> {
    let value: f64 = serde_json::from_slice(payload).map_err(|_| CodecError::Malformed)?;
    PEER_SETPOINTS.lock().unwrap().push(value);
    Ok(())
}

static PEER_ROUTES: [InboundRoute; 1] = [InboundRoute {
    address: PEER_SETPOINT,
    deliver: deliver_peer_setpoint,
}];

/// A node peer's socket for link `path` (`/link/PATH`).
async fn connect_peer(ws: &WsConnector, path: &str, query: &str) -> Result<Client, WsError> {
    let url = format!("ws://{}/link/{path}{query}", ws.local_addr());
    connect_async(url).await.map(|(client, _)| client)
}

/// The next binary message (within 2 s).
async fn next_binary(client: &mut Client) -> Vec<u8> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(2), client.next())
            .await
            .expect("a message within 2 s")
            .expect("the socket is open")
            .expect("a valid frame");
        match message {
            Message::Binary(bytes) => return bytes.to_vec(),
            Message::Text(text) => panic!("a node peer got a text message: {text}"),
            _ => {}
        }
    }
}

/// Wait until `check` holds (within 2 s).
async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..200 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what} did not happen within 2 s");
}

/// A node peer (a browser node's `ws://` link, `/link/PATH`) gets the link's payloads as
/// binary messages holding exactly the published bytes (JSON or not, the last one first),
/// may write only a path the node reads (decoded by its route), and a malformed or foreign
/// value is counted while the session goes on. An unknown path is refused with 404, a
/// missing token with 401.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_peer_exchanges_binary_values_and_writes_only_what_the_node_reads() {
    let ws = start();
    ws.attach(&PEER_ROUTES);
    let token = format!("?token={TOKEN}");
    let postcard_like = [0x00, 0x00, 0xa0, 0x41]; // not JSON: the pages never see it
    ws.publish(READING, &postcard_like).unwrap();
    let mut reader = connect_peer(ws, READING, &token).await.unwrap();
    assert_eq!(
        next_binary(&mut reader).await,
        postcard_like,
        "the last value first"
    );
    for n in 0..100u8 {
        ws.publish(READING, &[n, 0xff, n]).unwrap();
    }
    for n in 0..100u8 {
        assert_eq!(next_binary(&mut reader).await, [n, 0xff, n]);
    }

    // The node reads the setpoint: a peer's binary value goes to its route, bit for bit.
    let mut writer = connect_peer(ws, PEER_SETPOINT, &token).await.unwrap();
    let before = PEER_SETPOINTS.lock().unwrap().len();
    writer.send(Message::binary(&b"21.5"[..])).await.unwrap();
    eventually("the setpoint delivered", || {
        PEER_SETPOINTS.lock().unwrap().len() > before
    })
    .await;
    assert_eq!(PEER_SETPOINTS.lock().unwrap()[before], 21.5);
    // Malformed for the route: counted on the link; the session goes on.
    writer
        .send(Message::binary(&b"\xff\x00not json"[..]))
        .await
        .unwrap();
    writer.send(Message::text("{\"key\":1}")).await.unwrap();
    writer.send(Message::binary(&b"22"[..])).await.unwrap();
    eventually("the next setpoint delivered", || {
        PEER_SETPOINTS.lock().unwrap().len() > before + 1
    })
    .await;
    assert_eq!(PEER_SETPOINTS.lock().unwrap()[before + 1], 22.0);
    let link = ws.link_stats(PEER_SETPOINT).unwrap();
    assert_eq!((link.received, link.decode_errors), (2, 1));
    assert_eq!(ws.stats().peer_malformed, 1);

    // A value on a path the node writes is not the peer's to send: counted, skipped, and
    // the reader's session still gets values.
    reader.send(Message::binary(&b"22"[..])).await.unwrap();
    eventually("the foreign value counted", || ws.stats().peer_refused == 1).await;
    ws.publish(READING, &[7, 7]).unwrap();
    assert_eq!(next_binary(&mut reader).await, [7, 7]);
    assert_eq!(PEER_SETPOINTS.lock().unwrap().len(), before + 2);
    assert_eq!(ws.stats().peer_sessions, 2);

    assert_eq!(refused(connect_peer(ws, "no/such/link", &token).await), 404);
    assert_eq!(refused(connect_peer(ws, READING, "").await), 401);
}
