//! Kernel cpulists ("0-3,5"), as TASKSTATS_CMD_ATTR_REGISTER_CPUMASK takes them.

/// Parses a cpulist into sorted, distinct CPU numbers.
pub fn parse(list: &str) -> Result<Vec<u32>, String> {
    let list = list.trim();
    if list.is_empty() {
        return Err("the CPU list is empty; give CPUs like 0-3,5".into());
    }
    let mut cpus = Vec::new();
    for part in list.split(',') {
        let num = |s: &str| -> Result<u32, String> {
            s.trim()
                .parse()
                .map_err(|_| format!("`{s}` is not a CPU number (give CPUs like 0-3,5)"))
        };
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b) = (num(a)?, num(b)?);
                if a > b {
                    return Err(format!("`{part}` is a backwards range"));
                }
                if b - a > 65_536 {
                    return Err(format!("`{part}` spans more CPUs than any machine has"));
                }
                cpus.extend(a..=b);
            }
            None => cpus.push(num(part)?),
        }
    }
    cpus.sort_unstable();
    cpus.dedup();
    Ok(cpus)
}

/// Formats CPU numbers as a compact cpulist.
pub fn format(cpus: &[u32]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < cpus.len() {
        let start = cpus[i];
        let mut end = start;
        while i + 1 < cpus.len() && cpus[i + 1] == end + 1 {
            i += 1;
            end = cpus[i];
        }
        out.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    out.join(",")
}

/// The CPUs the kernel may ever bring online (/sys/devices/system/cpu/possible).
pub fn possible() -> Option<Vec<u32>> {
    parse(&std::fs::read_to_string("/sys/devices/system/cpu/possible").ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists() {
        assert_eq!(parse("0-3,5").unwrap(), vec![0, 1, 2, 3, 5]);
        assert_eq!(parse("5,1,1").unwrap(), vec![1, 5]);
        assert_eq!(format(&[0, 1, 2, 3, 5, 7, 8]), "0-3,5,7-8");
        for bad in ["", "abc", "1-", "-1", "3-1", "0-9999999", "1,,2"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
