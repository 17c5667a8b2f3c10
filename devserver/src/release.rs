//! FastGPT release numbers: parsing and ordering (`4.8.12`, `4.14.5.1`, `4.15.0-beta5`,
//! `v4.16.1`, `4.13.x`). Depends on nothing else in the crate.

use std::cmp::Ordering;
use std::fmt;

/// A release. Ordered numerically component by component; a pre-release (`-betaN`) sorts
/// before the release itself (`4.15.0-beta5 < 4.15.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// Up to four numeric components (`4.14.5.1`); missing ones are 0. `x` is `u32::MAX`
    /// (the newest release of that series).
    pub nums: [u32; 4],
    /// `u32::MAX` for a release, `N` for `-betaN`.
    pub pre: u32,
}

/// `Version` of a final release, for tables.
pub const fn v(major: u32, minor: u32, patch: u32) -> Version {
    Version {
        nums: [major, minor, patch, 0],
        pre: u32::MAX,
    }
}

/// `Version` of `major.minor.patch-betaN`.
pub const fn beta(major: u32, minor: u32, patch: u32, n: u32) -> Version {
    Version {
        nums: [major, minor, patch, 0],
        pre: n,
    }
}

impl Ord for Version {
    fn cmp(&self, o: &Self) -> Ordering {
        self.nums.cmp(&o.nums).then(self.pre.cmp(&o.pre))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl Version {
    /// Parse `[v]N[.N[.N[.N]]][-betaN]`; a component may be `x` (newest of the series).
    pub fn parse(s: &str) -> Result<Version, String> {
        let t = s.trim();
        let t = t
            .strip_prefix('v')
            .or_else(|| t.strip_prefix('V'))
            .unwrap_or(t);
        let (main, pre) = match t.split_once('-') {
            Some((m, p)) => (m, Some(p)),
            None => (t, None),
        };
        let bad = || {
            format!(
                "bad FastGPT version '{}' (expected e.g. 4.14.5, 4.15.0-beta5, 4.13.x)",
                s
            )
        };
        let parts: Vec<&str> = main.split('.').collect();
        if parts.is_empty() || parts.len() > 4 {
            return Err(bad());
        }
        let mut nums = [0u32; 4];
        for (i, p) in parts.iter().enumerate() {
            nums[i] = if p.eq_ignore_ascii_case("x") {
                u32::MAX
            } else if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) && p.len() <= 6 {
                p.parse().map_err(|_| bad())?
            } else {
                return Err(bad());
            };
        }
        let pre = match pre {
            None => u32::MAX,
            Some(p) => {
                let p = p.to_ascii_lowercase();
                let n = p.strip_prefix("beta").ok_or_else(bad)?;
                if n.is_empty() || n.len() > 6 || !n.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad());
                }
                n.parse().map_err(|_| bad())?
            }
        };
        if nums[0] != 4 {
            return Err(format!(
                "FastGPT version '{}': only 4.x releases are emulated",
                s
            ));
        }
        Ok(Version { nums, pre })
    }

    /// `first <= self < until` (`until` = the first release without the thing).
    pub fn within(&self, first: Version, until: Option<Version>) -> bool {
        *self >= first && until.map(|u| *self < u).unwrap_or(true)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = |n: u32| {
            if n == u32::MAX {
                "x".to_string()
            } else {
                n.to_string()
            }
        };
        write!(
            f,
            "{}.{}.{}",
            c(self.nums[0]),
            c(self.nums[1]),
            c(self.nums[2])
        )?;
        if self.nums[3] != 0 {
            write!(f, ".{}", c(self.nums[3]))?;
        }
        if self.pre != u32::MAX {
            write!(f, "-beta{}", self.pre)?;
        }
        Ok(())
    }
}

/// The newest release the versions reference describes (`latest`).
pub const LATEST: Version = v(4, 16, 1);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_order() {
        let p = |s| Version::parse(s).unwrap();
        assert_eq!(p("4.8.12"), v(4, 8, 12));
        assert_eq!(p("v4.16.1"), v(4, 16, 1));
        assert!(p("4.15.0-beta5") < p("4.15.0"));
        assert!(p("4.15.0-beta5") > p("4.14.31"));
        assert!(p("4.15.0-beta5") < p("4.15.0-beta6"));
        assert!(p("4.14.5.1") > p("4.14.5") && p("4.14.5.1") < p("4.14.6"));
        assert!(p("4.14.10") < p("4.14.11") && p("4.9.4") < p("4.14.0"));
        assert!(p("4.13.x") > p("4.13.2") && p("4.13.x") < p("4.14.0"));
        assert_eq!(p("4.14").to_string(), "4.14.0");
        assert_eq!(p("4.15.0-BETA2").to_string(), "4.15.0-beta2");
        assert!(p("4.14.7").within(v(4, 14, 5), Some(v(4, 14, 11))));
        assert!(!p("4.14.11").within(v(4, 14, 5), Some(v(4, 14, 11))));
        for bad in ["", "4..1", "four", "4.1.2.3.4", "3.9", "4.15.0-rc1", "4.1a"] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
    }
}
