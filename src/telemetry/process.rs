//! What this process uses of its host, read from `/proc` (Linux) when Prometheus scrapes, in
//! the names every Prometheus client library uses (`process_cpu_seconds_total`,
//! `process_resident_memory_bytes`, `process_open_fds`, …), and the free space of a
//! directory's file system (for readiness).
//!
//! These are written straight into the exposition instead of going through the `metrics`
//! recorder, whose counters hold integers only: CPU seconds would lose their fraction.

use std::fmt::Write;
use std::path::Path;

/// One reading of `/proc/self`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessStats {
    pub cpu_seconds: f64,
    pub resident_memory_bytes: u64,
    pub virtual_memory_bytes: u64,
    pub start_time_seconds: f64,
    pub threads: u64,
    pub open_fds: Option<u64>,
    pub max_fds: Option<u64>,
}

/// Reads `/proc/self`; `None` where `/proc` is not there.
pub fn read() -> Option<ProcessStats> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let boot_time = std::fs::read_to_string("/proc/stat")
        .ok()
        .and_then(|s| parse_boot_time(&s));
    let mut stats = parse_stat(
        &stat,
        rustix::param::clock_ticks_per_second(),
        rustix::param::page_size() as u64,
        boot_time,
    )?;
    stats.open_fds = std::fs::read_dir("/proc/self/fd")
        .ok()
        .map(|d| d.count() as u64);
    stats.max_fds = rustix::process::getrlimit(rustix::process::Resource::Nofile).current;
    Some(stats)
}

/// Parses `/proc/self/stat` (`proc(5)`): fields after the command name, which is in
/// parentheses and may itself hold spaces and parentheses.
fn parse_stat(
    stat: &str,
    ticks_per_second: u64,
    page_size: u64,
    boot_time: Option<u64>,
) -> Option<ProcessStats> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // f[0] is field 3 (state): field n is f[n - 3].
    let num = |n: usize| f.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    let ticks = ticks_per_second.max(1) as f64;
    let utime = num(14)?;
    let stime = num(15)?;
    let start_ticks = num(22)?;
    Some(ProcessStats {
        cpu_seconds: (utime + stime) as f64 / ticks,
        threads: num(20)?,
        start_time_seconds: boot_time.map_or(0.0, |b| b as f64 + start_ticks as f64 / ticks),
        virtual_memory_bytes: num(23)?,
        resident_memory_bytes: num(24)?.saturating_mul(page_size),
        open_fds: None,
        max_fds: None,
    })
}

/// `btime` of `/proc/stat`: boot time in Unix seconds.
fn parse_boot_time(proc_stat: &str) -> Option<u64> {
    proc_stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .and_then(|v| v.trim().parse().ok())
}

/// Appends the `process_*` families to a Prometheus exposition.
pub fn render(out: &mut String) {
    if let Some(s) = read() {
        render_stats(out, &s);
    }
}

fn render_stats(out: &mut String, s: &ProcessStats) {
    let mut family = |name: &str, kind: &str, help: &str, value: f64| {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n\n"
        );
    };
    family(
        "process_cpu_seconds_total",
        "counter",
        "Total user and system CPU time spent in seconds.",
        s.cpu_seconds,
    );
    family(
        "process_resident_memory_bytes",
        "gauge",
        "Resident memory size in bytes.",
        s.resident_memory_bytes as f64,
    );
    family(
        "process_virtual_memory_bytes",
        "gauge",
        "Virtual memory size in bytes.",
        s.virtual_memory_bytes as f64,
    );
    family(
        "process_start_time_seconds",
        "gauge",
        "Start time of the process since unix epoch in seconds.",
        s.start_time_seconds,
    );
    family(
        "process_threads",
        "gauge",
        "Number of OS threads in the process.",
        s.threads as f64,
    );
    if let Some(n) = s.open_fds {
        family(
            "process_open_fds",
            "gauge",
            "Number of open file descriptors.",
            n as f64,
        );
    }
    if let Some(n) = s.max_fds {
        family(
            "process_max_fds",
            "gauge",
            "Maximum number of open file descriptors.",
            n as f64,
        );
    }
}

/// Free space of the file system holding `dir`, as (available bytes, size in bytes), from
/// the point of view of an unprivileged user (`f_bavail`).
pub fn free_space(dir: &Path) -> Option<(u64, u64)> {
    let v = rustix::fs::statvfs(dir).ok()?;
    let unit = if v.f_frsize > 0 {
        v.f_frsize
    } else {
        v.f_bsize
    };
    Some((
        v.f_bavail.saturating_mul(unit),
        v.f_blocks.saturating_mul(unit),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_proc_stat_with_an_awkward_command_name() {
        // pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
        // utime stime cutime cstime priority nice num_threads itrealvalue starttime vsize rss
        let stat = "4242 (sistema (aps) x) S 1 4242 4242 0 -1 4194560 500 0 0 0 \
                    250 50 0 0 20 0 7 0 1000 123456789 2000 18446744073709551615";
        let s = parse_stat(stat, 100, 4096, Some(1_700_000_000)).expect("parsed");
        assert_eq!(s.cpu_seconds, 3.0);
        assert_eq!(s.threads, 7);
        assert_eq!(s.start_time_seconds, 1_700_000_010.0);
        assert_eq!(s.virtual_memory_bytes, 123_456_789);
        assert_eq!(s.resident_memory_bytes, 2000 * 4096);
        assert!(parse_stat("garbage", 100, 4096, None).is_none());
        assert_eq!(
            parse_boot_time("cpu 1 2\nbtime 1700000000\n"),
            Some(1_700_000_000)
        );
    }

    #[test]
    fn this_process_is_readable_on_linux() {
        if !Path::new("/proc/self/stat").exists() {
            return;
        }
        let s = read().expect("/proc/self");
        assert!(s.resident_memory_bytes > 0);
        assert!(s.threads >= 1);
        assert!(s.open_fds.unwrap_or(0) >= 3);
        let mut out = String::new();
        render_stats(&mut out, &s);
        assert!(out.contains("# TYPE process_cpu_seconds_total counter\n"));
        assert!(out.contains("process_resident_memory_bytes "));
        let (avail, size) = free_space(Path::new(".")).expect("statvfs");
        assert!(size > 0 && avail <= size);
    }
}
