//! The echo tool over rmcp, for the mcp-core benchmark suite.
//!
//! `rmcp-echo [--worker-threads N] --stdio` serves stdin/stdout;
//! `rmcp-echo [--worker-threads N] --http HOST:PORT [--legacy-sessions]` serves Streamable HTTP
//! at /mcp. Modern (2026-07-28) requests are always stateless in rmcp;
//! `--legacy-sessions` turns on 2025-era sessions (SSE replies), otherwise legacy requests are
//! served statelessly too, and every terminal reply is plain JSON.

use axum::serve::ListenerExt;
use rmcp::{
    ServerHandler, ServiceExt,
    handler::server::{router::tool::ToolRouter, wrapper::Parameters},
    model::{ServerCapabilities, ServerConfig},
    schemars, tool, tool_handler, tool_router,
    transport::streamable_http_server::{
        StreamableHttpServerConfig, StreamableHttpService, session::local::LocalSessionManager,
    },
};

#[derive(Debug, serde::Deserialize, schemars::JsonSchema)]
struct EchoArgs {
    text: String,
}

#[derive(Debug, Clone)]
struct Echo {
    tool_router: ToolRouter<Self>,
}

#[tool_router]
impl Echo {
    fn new() -> Self {
        Self { tool_router: Self::tool_router() }
    }

    /// Returning a String gives one text content block, the same result every peer returns.
    #[tool(description = "Returns the text it is given.")]
    fn echo(&self, Parameters(EchoArgs { text }): Parameters<EchoArgs>) -> String {
        text
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for Echo {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
    }
}

/// The multi-thread tokio runtime the rmcp examples use (`#[tokio::main]`), with
/// `--worker-threads N` workers: the benchmark gives every server one core, so rmcp gets one
/// worker there rather than one per core of the machine.
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = args.iter().position(|a| a == "--worker-threads").and_then(|i| args.get(i + 1)) {
        runtime.worker_threads(n.parse()?);
    }
    runtime.enable_all().build()?.block_on(serve(args))
}

async fn serve(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    if args.iter().any(|a| a == "--stdio") {
        // stdio_pipes keeps reads and writes on the IO reactor when launched with pipes.
        let service = Echo::new().serve(rmcp::transport::io::stdio_pipes()).await?;
        service.waiting().await?;
        return Ok(());
    }
    let address = args
        .iter()
        .position(|a| a == "--http")
        .and_then(|i| args.get(i + 1))
        .ok_or("usage: rmcp-echo --stdio | --http HOST:PORT [--legacy-sessions]")?
        .clone();
    let sessions = args.iter().any(|a| a == "--legacy-sessions");
    let config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(sessions)
        .with_json_response(true)
        .with_sse_keep_alive(None)
        // 10 MB payloads must fit, as they do for the other peers.
        .with_max_request_body_bytes(64 * 1024 * 1024);
    let service: StreamableHttpService<Echo, LocalSessionManager> =
        StreamableHttpService::new(|| Ok(Echo::new()), Default::default(), config);
    let router = axum::Router::new().nest_service("/mcp", service);
    let listener = tokio::net::TcpListener::bind(&address).await?;
    eprintln!("rmcp-echo serving Streamable HTTP at http://{}/mcp", listener.local_addr()?);
    // TCP_NODELAY, as Node's http server and Python's asyncio set by default: without it an SSE
    // reply written in pieces waits on Nagle + delayed ACK (~40 ms per request).
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(listener, router).await?;
    Ok(())
}
