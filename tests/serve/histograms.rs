//! `serve --histograms` where it is hard: an exit storm heard while
//! scrapes run, keys beyond the cap, and groups that vanish between
//! scrapes. The histograms' counts are held to the number of processes the
//! test started, and every series to what it was at the scrape before.
//! (The quantiles against a real Prometheus: serve.rs.)

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::fleet::{Tree, sample};
use super::{Served, get};
use crate::common::{example, kernel, wait_until};

/// Each sample of the histogram families, by its line's name and labels.
fn histogram_samples(text: &str) -> BTreeMap<String, f64> {
    text.lines()
        .filter(|l| l.starts_with("taskstat_process_"))
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_string(), value.parse().ok()?))
        })
        .collect()
}

/// Every series of `before` is in `after`, and none went down.
fn assert_monotonic(before: &BTreeMap<String, f64>, after: &BTreeMap<String, f64>) {
    for (series, v) in before {
        let now = after.get(series);
        assert!(
            now.is_some_and(|n| n >= v),
            "{series} was {v}, then {now:?}"
        );
    }
}

/// `name`'s value where its labels include every one of `want`.
fn value(text: &str, name: &str, want: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter_map(sample).find_map(|(n, l, v)| {
        (n == name && want.iter().all(|(k, w)| l.get(k) == Some(w))).then_some(v)
    })
}

/// Each histogram's buckets: cumulative, and the +Inf one equal to its count.
fn assert_consistent(text: &str) {
    let mut buckets: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    let mut counts: BTreeMap<String, f64> = BTreeMap::new();
    for (name, mut labels, v) in text.lines().filter_map(sample) {
        let Some(family) = name.strip_prefix("taskstat_process_") else {
            continue;
        };
        let le = labels.remove("le");
        let key = format!(
            "{}{labels:?}",
            family.rsplit_once('_').map_or(family, |f| f.0)
        );
        if family.ends_with("_bucket") {
            buckets.entry(key).or_default().push(v);
            assert!(le.is_some(), "a bucket without le: {name}");
        } else if family.ends_with("_count") {
            counts.insert(key, v);
        }
    }
    assert!(!counts.is_empty(), "no histograms:\n{text}");
    for (key, count) in &counts {
        let b = &buckets[key];
        assert!(b.windows(2).all(|w| w[0] <= w[1]), "{key}: {b:?}");
        assert_eq!(b.last(), Some(count), "{key}: +Inf is not the count");
    }
}

/// An exit storm heard while a scraper asks every few milliseconds: each
/// command's histograms count exactly the processes the storm made, no
/// series ever goes down, and no exit record is lost.
#[test]
fn histograms_by_comm_count_every_exit_of_a_storm_scraped_meanwhile() {
    let test = "histograms_by_comm_count_every_exit_of_a_storm_scraped_meanwhile";
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel(test) else {
        return;
    };
    let served = Served::start(&["--histograms-by", "comm", "--cache", "0.001"]);
    let port = served.port;
    let stop = Arc::new(AtomicBool::new(false));
    let scraper = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut last = BTreeMap::new();
            let mut scrapes = 0;
            while !stop.load(Ordering::Relaxed) {
                let (status, body) = get(port, "/metrics");
                assert_eq!(status, 200, "{body}");
                let now = histogram_samples(&body);
                assert_monotonic(&last, &now);
                last = now;
                scrapes += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            scrapes
        })
    };
    let (single, threaded) = (3000, 300);
    let out = Command::new(example("storm"))
        .args([single.to_string(), threaded.to_string()])
        .output()
        .expect("run the storm");
    assert!(out.status.success(), "storm: {out:?}");
    let count = |text: &str, comm: &str| {
        value(
            text,
            "taskstat_process_cpu_seconds_count",
            &[("comm", comm)],
        )
    };
    let mut text = String::new();
    wait_until(Duration::from_secs(60), "the storm's exits counted", || {
        text = get(port, "/metrics").1;
        count(&text, "tsstorm-1") == Some(single as f64)
            && count(&text, "tsstorm-3") == Some(threaded as f64)
    });
    stop.store(true, Ordering::Relaxed);
    let scrapes = scraper.join().expect("the scraper");
    assert!(scrapes > 3, "only {scrapes} scrapes ran during the storm");
    // Every measure a process had is counted once per process.
    assert_eq!(
        value(
            &text,
            "taskstat_process_elapsed_seconds_count",
            &[("comm", "tsstorm-1")]
        ),
        Some(single as f64),
        "{text}"
    );
    assert_eq!(
        value(
            &text,
            "taskstat_process_wait_seconds_count",
            &[("comm", "tsstorm-3"), ("wait", "cpu")]
        ),
        Some(threaded as f64),
        "{text}"
    );
    assert_eq!(
        value(&text, "taskstat_exit_records_lost_total", &[]).or_else(|| {
            text.lines()
                .find_map(|l| l.strip_prefix("taskstat_exit_records_lost_total "))
                .and_then(|v| v.parse().ok())
        }),
        Some(0.0),
        "{text}"
    );
    assert_consistent(&text);
    // A process has no CPU time longer than the wall time it lived.
    let sum = |name: &str| value(&text, name, &[("comm", "tsstorm-1")]).expect(name);
    assert!(
        sum("taskstat_process_cpu_seconds_sum") <= sum("taskstat_process_elapsed_seconds_sum"),
        "{text}"
    );
}

/// 500 groups whose processes exit, with --max-series 100: at most 101
/// keys carry histograms (the rest in "(other)"), each at most 8 of them
/// with 25 series each, as the README says; the groups then vanish,
/// and every series stays, at the same value, in the scrapes after.
#[test]
fn histogram_series_stay_bounded_by_max_series_with_500_cgroups() {
    let test = "histogram_series_stay_bounded_by_max_series_with_500_cgroups";
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel(test) else {
        return;
    };
    let Some(mut tree) = Tree::new(test) else {
        return;
    };
    let served = Served::start(&["--histograms", "--max-series", "100", "--cache", "0.001"]);
    let top = format!("/taskstat-hist-bound-{}", std::process::id());
    let mut dirs = Vec::new();
    for i in 0..500 {
        let dir = tree.make(&format!("{top}/g{i:03}"));
        tree.run_in(&dir, Command::new("sleep").arg("600"));
        dirs.push(dir);
    }
    // A sweep sees each in its group, so that its exit is counted there.
    let _ = get(served.port, "/metrics");
    tree.members.kill();
    let exited = |text: &str| -> f64 {
        text.lines()
            .filter_map(sample)
            .filter(|(n, l, _)| {
                *n == "taskstat_exited_tasks_total"
                    && l.get("cgroup").is_some_and(|c| c.starts_with(&*top))
            })
            .map(|(_, _, v)| v)
            .sum()
    };
    let mut text;
    let other = |text: &str| {
        value(
            text,
            "taskstat_exited_tasks_total",
            &[("cgroup", "(other)")],
        )
        .unwrap_or(0.0)
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        text = get(served.port, "/metrics").1;
        if exited(&text) + other(&text) >= 500.0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "500 exits not counted: {} in the test's groups, {} in (other)",
            exited(&text),
            other(&text)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    let mut keys = std::collections::BTreeSet::new();
    let mut series = 0;
    for (name, l, _) in text.lines().filter_map(sample) {
        if name.starts_with("taskstat_process_") {
            series += 1;
            keys.insert(l.get("cgroup").expect("a cgroup label").to_string());
        }
    }
    let ours = keys.iter().filter(|k| k.starts_with(&*top)).count();
    assert!(keys.len() <= 101, "{} keys: {keys:?}", keys.len());
    assert!(keys.contains("(other)"), "{keys:?}");
    assert!(
        series <= keys.len() * 8 * 25,
        "{series} series for {} keys",
        keys.len()
    );
    assert!(
        ours > 0 && ours <= 100,
        "{ours} of the test's groups have their own"
    );
    // Each of the test's own groups counted its one process once.
    for (name, l, v) in text.lines().filter_map(sample) {
        if name == "taskstat_process_cpu_seconds_count"
            && l.get("cgroup").is_some_and(|c| c.starts_with(&*top))
        {
            assert_eq!(v, 1.0, "{l:?}");
        }
    }
    assert_consistent(&text);
    let before = histogram_samples(&text);
    // The groups go; what they counted stays.
    drop(tree);
    for _ in 0..2 {
        let now = histogram_samples(&get(served.port, "/metrics").1);
        assert_monotonic(&before, &now);
    }
}

/// `--histograms-by user`: the processes a user ran, under the user's name.
#[test]
fn histograms_by_user_name_the_user() {
    let test = "histograms_by_user_name_the_user";
    let _g = crate::SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(_acct) = kernel(test) else {
        return;
    };
    let served = Served::start(&["--histograms-by", "user", "--cache", "0.001"]);
    let name = taskstat::host::users::name_of(65534).unwrap_or_else(|| "65534".to_string());
    // setpriv execs the shell, which runs seq and 20 true: 22 exits.
    let out = Command::new("setpriv")
        .args([
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
            "--inh-caps=-all",
        ])
        .args(["sh", "-c", "for i in $(seq 20); do /bin/true; done"])
        .output()
        .expect("setpriv (util-linux)");
    assert!(out.status.success(), "{out:?}");
    let count = |text: &str| {
        value(
            text,
            "taskstat_process_cpu_seconds_count",
            &[("user", &name)],
        )
    };
    let mut text = String::new();
    wait_until(Duration::from_secs(20), "the user's exits counted", || {
        text = get(served.port, "/metrics").1;
        count(&text).is_some_and(|n| n >= 22.0)
    });
    assert_eq!(count(&text), Some(22.0), "{text}");
    // Keyed by user alone: no cgroup or workload labels on them.
    for line in text.lines().filter(|l| l.starts_with("taskstat_process_")) {
        assert!(
            !line.contains("cgroup=") && line.contains("user=\""),
            "{line}"
        );
    }
}
