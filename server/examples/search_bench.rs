//! Search benchmark: fills a fresh database with `--messages` chat messages
//! (English and Chinese, words drawn with a Zipf law, in 100 rooms by 50
//! people) and times searches of several kinds as one member of 20 of the
//! rooms, through the store's query and the highlighter — what
//! `GET /api/search` does besides parsing its request. Prints p50/p95/p99.
//!
//! cargo run --release -p server --example search_bench -- --messages 1000000
//! cargo run --release -p server --example search_bench -- --messages 1000000 \
//!     --postgres postgres://postgres@127.0.0.1:5432/test

use app::protocol::{RoomId, Visibility};
use rand::{rngs::StdRng, Rng, SeedableRng};
use std::time::{Duration, Instant};
use switchboard::search::{highlight::highlight, terms::Query};
use switchboard::store::{NewMessage, SearchFilter, Store};

const ENGLISH: &[&str] = &[
    "the",
    "a",
    "to",
    "and",
    "is",
    "we",
    "it",
    "for",
    "on",
    "that",
    "this",
    "with",
    "you",
    "deploy",
    "deploying",
    "deployed",
    "server",
    "servers",
    "meeting",
    "budget",
    "review",
    "release",
    "customer",
    "ticket",
    "bug",
    "fix",
    "fixed",
    "merge",
    "branch",
    "build",
    "test",
    "tests",
    "failing",
    "green",
    "lunch",
    "tomorrow",
    "today",
    "yesterday",
    "plan",
    "design",
    "database",
    "migration",
    "index",
    "query",
    "latency",
    "cache",
    "invoice",
    "payment",
    "refund",
    "order",
    "shipping",
    "delay",
    "weekend",
    "holiday",
    "report",
    "metrics",
    "dashboard",
    "alert",
    "incident",
    "outage",
    "postmortem",
    "rollback",
];
const CHINESE: &[&str] = &[
    "我们",
    "今天",
    "明天",
    "开会",
    "讨论",
    "预算",
    "客户",
    "订单",
    "发货",
    "退款",
    "服务器",
    "部署",
    "上线",
    "测试",
    "问题",
    "修复",
    "数据库",
    "迁移",
    "性能",
    "延迟",
    "报告",
    "周末",
    "假期",
    "午饭",
    "计划",
    "设计",
    "需要",
    "已经",
    "可以",
    "一下",
    "大家",
    "这个",
    "那个",
    "什么",
    "时候",
    "下午",
    "上午",
    "项目",
    "进度",
    "会议室",
    "支付",
    "发票",
    "告警",
    "故障",
];

/// Word ranks drawn with weight 1/rank: a few words are everywhere, most rare.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize) -> Zipf {
        let mut total = 0.0;
        Zipf(
            (1..=n)
                .map(|r| {
                    total += 1.0 / r as f64;
                    total
                })
                .collect(),
        )
    }
    fn pick(&self, rng: &mut StdRng) -> usize {
        let x = rng.gen::<f64>() * self.0.last().unwrap();
        self.0.partition_point(|&c| c < x).min(self.0.len() - 1)
    }
}

/// English words first, then made-up ones ("w1234"), so the vocabulary has
/// a long tail like real chat.
fn english_word(rank: usize) -> String {
    ENGLISH
        .get(rank)
        .map_or_else(|| format!("w{rank}"), |w| (*w).to_owned())
}

fn body(rng: &mut StdRng, zipf: &Zipf) -> String {
    if rng.gen_bool(0.3) {
        let n = rng.gen_range(3..9);
        (0..n)
            .map(|_| CHINESE[zipf.pick(rng) % CHINESE.len()])
            .collect::<String>()
    } else {
        let n = rng.gen_range(4..16);
        (0..n)
            .map(|_| english_word(zipf.pick(rng)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn arg(name: &str) -> Option<String> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let total: usize = arg("--messages").map_or(Ok(100_000), |n| n.parse())?;
    let runs: usize = arg("--runs").map_or(Ok(40), |n| n.parse())?;
    let dir = tempfile::tempdir()?;
    let url =
        arg("--postgres").unwrap_or_else(|| format!("sqlite://{}/bench.db", dir.path().display()));
    if url.starts_with("postgres") {
        use sqlx::{Connection, Executor};
        // A fresh database next to the one named.
        let name = format!("search_bench_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&url).await?;
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await?;
        let (base, _) = url.rsplit_once('/').expect("a database in the URL");
        return run(&format!("{base}/{name}"), total, runs).await;
    }
    run(&url, total, runs).await
}

async fn run(url: &str, total: usize, runs: usize) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    println!(
        "search benchmark on {}: {total} messages",
        store.backend_name()
    );
    let mut people = Vec::new();
    for i in 0..50 {
        people.push(store.create_user(&format!("user{i}"), "x").await?);
    }
    let mut rooms = Vec::new();
    for i in 0..100 {
        rooms.push(
            store
                .create_room(&format!("room{i}"), people[i % 50].id, Visibility::Public)
                .await?
                .id,
        );
    }
    let reader = people[0].id;
    for room in &rooms[..20] {
        store.join_room(*room, reader).await?;
    }

    let mut rng = StdRng::seed_from_u64(7);
    let zipf = Zipf::new(20_000);
    let started = Instant::now();
    let mut batch = Vec::with_capacity(1000);
    for i in 0..total {
        let author = &people[rng.gen_range(0..people.len())];
        batch.push(NewMessage {
            room: rooms[rng.gen_range(0..rooms.len())],
            author: author.id,
            author_name: author.username.clone(),
            body: body(&mut rng, &zipf),
            client_id: format!("b{i}"),
            files: Vec::new(),
            thread: None,
            also_in_room: false,
        });
        if batch.len() == 1000 {
            store.insert_messages(&batch).await?;
            batch.clear();
        }
    }
    store.insert_messages(&batch).await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "stored and indexed in {secs:.1} s ({:.0} messages/s)",
        total as f64 / secs
    );
    if url.starts_with("postgres") {
        // What autovacuum does within a minute of a large load: without
        // statistics the planner takes the fresh table for a tiny one and
        // walks the text index once per room (p95 335-348 ms, measured).
        use sqlx::{Connection, Executor};
        let mut c = sqlx::PgConnection::connect(url).await?;
        c.execute("ANALYZE").await?;
        println!("analyzed, as autovacuum would");
    }

    let kinds: &[(&str, &[&str], Option<RoomId>, bool)] = &[
        (
            "common English word",
            &["deploy", "server", "meeting"],
            None,
            false,
        ),
        (
            "rare English word",
            &["w15000", "w12345", "w19999"],
            None,
            false,
        ),
        (
            "two English words",
            &["deploy server", "budget review", "cache latency"],
            None,
            false,
        ),
        (
            "Chinese word in a sentence",
            &["开会", "预算", "部署"],
            None,
            false,
        ),
        (
            "rare Chinese pair",
            &["议室", "发票告", "修复数"],
            None,
            false,
        ),
        ("one Chinese character", &["会", "票"], None, false),
        (
            "common word in one room",
            &["deploy", "开会"],
            Some(rooms[3]),
            false,
        ),
        (
            "common word from one person",
            &["deploy", "开会"],
            None,
            true,
        ),
    ];
    let mut all = Vec::new();
    println!("| search | p50 ms | p95 ms | p99 ms | results (first page) |");
    println!("|---|---:|---:|---:|---:|");
    for (name, words, room, from) in kinds {
        let mut times = Vec::with_capacity(runs);
        let mut found = 0;
        for run in 0..runs {
            let q = Query::parse(words[run % words.len()])?;
            let filter = SearchFilter {
                room: *room,
                author: from.then(|| people[1].id),
                ..SearchFilter::default()
            };
            let t = Instant::now();
            let page = store
                .search_messages(reader, &q.fts5(), &q.tsquery(), &filter, 21)
                .await?;
            let snippets: Vec<String> = page.iter().map(|m| highlight(&m.body, &q)).collect();
            times.push(t.elapsed());
            found = snippets.len();
        }
        times.sort();
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {found} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 0.99)
        );
        all.extend(times);
    }
    all.sort();
    println!(
        "| **all** | {:.1} | {:.1} | {:.1} | |",
        percentile(&all, 0.5),
        percentile(&all, 0.95),
        percentile(&all, 0.99)
    );
    store.close().await;
    Ok(())
}
