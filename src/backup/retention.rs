//! Grandfather-father-son retention, as a pure function over the backups' dates, and the
//! naming scheme that lets `backup` recognise (and prune) only the files it wrote itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Datelike, NaiveDateTime, TimeZone, Utc};

/// Every backup file is `sistema-aps-YYYYMMDDTHHMMSSZ.tar` (or `.tar.age` when encrypted),
/// the time in UTC, with its checksum beside it (`….sha256`).
pub const PREFIX: &str = "sistema-aps-";
const STAMP: &str = "%Y%m%dT%H%M%SZ";

/// How many daily, weekly and monthly backups to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub daily: u32,
    pub weekly: u32,
    pub monthly: u32,
}

/// The file name of a backup taken at `at`.
pub fn file_name(at: DateTime<Utc>, encrypted: bool) -> String {
    format!(
        "{PREFIX}{}.tar{}",
        at.format(STAMP),
        if encrypted { ".age" } else { "" }
    )
}

/// The time a backup file name carries; `None` for any other file.
pub fn parse_name(name: &str) -> Option<DateTime<Utc>> {
    let rest = name.strip_prefix(PREFIX)?;
    let (stamp, ext) = rest.split_at_checked(16)?;
    if ext != ".tar" && ext != ".tar.age" {
        return None;
    }
    NaiveDateTime::parse_from_str(stamp, STAMP)
        .ok()
        .map(|t| t.and_utc())
}

/// Which of the backups (local date-times, any order) to keep: the newest of each of the last
/// `daily` days, `weekly` ISO weeks and `monthly` months that have a backup, and always the
/// newest of all. Returns the indices into `stamps`.
pub fn keep(stamps: &[NaiveDateTime], policy: Policy) -> BTreeSet<usize> {
    let mut order: Vec<usize> = (0..stamps.len()).collect();
    // Newest first; ties keep their input order.
    order.sort_by(|&a, &b| stamps[b].cmp(&stamps[a]));
    let mut kept = BTreeSet::new();
    if let Some(&newest) = order.first() {
        kept.insert(newest);
    }
    let mut bucket = |limit: u32, key: &dyn Fn(&NaiveDateTime) -> (i32, u32, u32)| {
        let mut seen = BTreeSet::new();
        for &i in &order {
            if seen.len() >= limit as usize {
                break;
            }
            if seen.insert(key(&stamps[i])) {
                kept.insert(i);
            }
        }
    };
    bucket(policy.daily, &|t| (t.year(), t.month(), t.day()));
    bucket(policy.weekly, &|t| {
        let w = t.iso_week();
        (w.year(), w.week(), 0)
    });
    bucket(policy.monthly, &|t| (t.year(), t.month(), 0));
    kept
}

/// Deletes, in `dir`, the backups (and their checksums) the policy does not keep. Days,
/// weeks and months are those of `tz`. Files with other names are never touched.
pub fn prune<Tz: TimeZone>(dir: &Path, policy: Policy, tz: &Tz) -> std::io::Result<Vec<PathBuf>> {
    let mut files: Vec<(PathBuf, NaiveDateTime)> = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(at) = name.to_str().and_then(parse_name) else {
            continue;
        };
        if entry.file_type()?.is_file() {
            files.push((entry.path(), at.with_timezone(tz).naive_local()));
        }
    }
    let stamps: Vec<NaiveDateTime> = files.iter().map(|(_, t)| *t).collect();
    let kept = keep(&stamps, policy);
    let mut removed = Vec::new();
    for (i, (path, _)) in files.into_iter().enumerate() {
        if kept.contains(&i) {
            continue;
        }
        std::fs::remove_file(&path)?;
        let mut sum = path.clone().into_os_string();
        sum.push(".sha256");
        match std::fs::remove_file(&sum) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, NaiveDate};

    fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(h, 0, 0))
            .unwrap_or_default()
    }

    fn kept_dates(stamps: &[NaiveDateTime], policy: Policy) -> Vec<NaiveDateTime> {
        let mut v: Vec<NaiveDateTime> = keep(stamps, policy)
            .into_iter()
            .map(|i| stamps[i])
            .collect();
        v.sort();
        v
    }

    const GFS: Policy = Policy {
        daily: 7,
        weekly: 4,
        monthly: 12,
    };

    #[test]
    fn names_round_trip_and_foreign_files_are_ignored() {
        let t = at(2026, 3, 1, 3).and_utc();
        assert_eq!(file_name(t, false), "sistema-aps-20260301T030000Z.tar");
        assert_eq!(parse_name(&file_name(t, true)), Some(t));
        assert_eq!(parse_name(&file_name(t, false)), Some(t));
        for other in [
            "sistema-aps-20260301T030000Z.tar.sha256",
            "sistema-aps-20260301T030000Z.tar.partial",
            "sistema-aps.db",
            "notes.txt",
            "sistema-aps-2026030XT030000Z.tar",
            "sistema-aps-20260301T030000Z",
        ] {
            assert_eq!(parse_name(other), None, "{other}");
        }
    }

    #[test]
    fn empty_and_single() {
        assert!(keep(&[], GFS).is_empty());
        let none = Policy {
            daily: 0,
            weekly: 0,
            monthly: 0,
        };
        // The newest backup is kept whatever the policy says.
        assert_eq!(keep(&[at(2026, 1, 1, 3)], none).len(), 1);
        assert_eq!(
            kept_dates(&[at(2026, 1, 1, 3), at(2026, 1, 2, 3)], none),
            vec![at(2026, 1, 2, 3)]
        );
    }

    #[test]
    fn daily_keeps_the_newest_of_each_day() {
        // Two backups a day for 10 days; keep 3 days, nothing weekly or monthly.
        let mut stamps = Vec::new();
        for d in 1..=10 {
            stamps.push(at(2026, 1, d, 3));
            stamps.push(at(2026, 1, d, 15));
        }
        let p = Policy {
            daily: 3,
            weekly: 0,
            monthly: 0,
        };
        assert_eq!(
            kept_dates(&stamps, p),
            vec![at(2026, 1, 8, 15), at(2026, 1, 9, 15), at(2026, 1, 10, 15)]
        );
    }

    #[test]
    fn a_year_of_nightly_backups() {
        // 2025-01-01 … 2025-12-31 at 03:00, every night.
        let start = at(2025, 1, 1, 3);
        let stamps: Vec<NaiveDateTime> = (0..365).map(|i| start + Duration::days(i)).collect();
        let kept = kept_dates(&stamps, GFS);
        // 7 daily: Dec 25–31.
        for d in 25..=31 {
            assert!(kept.contains(&at(2025, 12, d, 3)), "daily {d}");
        }
        assert!(!kept.contains(&at(2025, 12, 24, 3)));
        // 4 weekly: the newest of ISO weeks 2026-W01 (Dec 31), 2025-W52 (Dec 28),
        // W51 (Dec 21), W50 (Dec 14).
        for d in [28, 21, 14] {
            assert!(kept.contains(&at(2025, 12, d, 3)), "weekly {d}");
        }
        assert!(!kept.contains(&at(2025, 12, 7, 3)));
        // 12 monthly: the last day of each month of 2025.
        for (m, d) in [
            (1, 31),
            (2, 28),
            (3, 31),
            (4, 30),
            (5, 31),
            (6, 30),
            (7, 31),
            (8, 31),
            (9, 30),
            (10, 31),
            (11, 30),
        ] {
            assert!(kept.contains(&at(2025, m, d, 3)), "monthly {m}");
        }
        // 7 daily + 2 more weekly (Dec 31 and Dec 28 are dailies) + 11 more monthly (Dec 31
        // is a daily) = 20.
        assert_eq!(kept.len(), 7 + 2 + 11, "{kept:?}");
    }

    #[test]
    fn gaps_do_not_count_as_days() {
        // Backups only every third day: 7 daily buckets reach back 19 days.
        let stamps: Vec<NaiveDateTime> = (0..10)
            .map(|i| at(2026, 2, 1, 3) + Duration::days(3 * i))
            .collect();
        let p = Policy {
            daily: 7,
            weekly: 0,
            monthly: 0,
        };
        assert_eq!(kept_dates(&stamps, p), stamps[3..].to_vec());
    }

    #[test]
    fn prune_removes_only_our_files_and_their_checksums() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let touch =
            |n: &str| std::fs::write(dir.path().join(n), b"x").unwrap_or_else(|e| panic!("{e}"));
        for d in 1..=5 {
            let n = file_name(at(2026, 1, d, 3).and_utc(), d % 2 == 0);
            touch(&n);
            touch(&format!("{n}.sha256"));
        }
        touch("sistema-aps.db");
        touch("sistema-aps-20200101T000000Z.tar.partial");
        let p = Policy {
            daily: 2,
            weekly: 0,
            monthly: 0,
        };
        let removed = prune(dir.path(), p, &Utc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(removed.len(), 3);
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap_or_else(|e| panic!("{e}"))
            .filter_map(|e| e.ok())
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        left.sort();
        assert_eq!(
            left,
            vec![
                "sistema-aps-20200101T000000Z.tar.partial",
                "sistema-aps-20260104T030000Z.tar.age",
                "sistema-aps-20260104T030000Z.tar.age.sha256",
                "sistema-aps-20260105T030000Z.tar",
                "sistema-aps-20260105T030000Z.tar.sha256",
                "sistema-aps.db",
            ]
        );
    }
}
