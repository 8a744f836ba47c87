
use builtin;
use str;

set edit:completion:arg-completer[taskstat] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'taskstat'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'taskstat'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand pid 'Statistics of single threads (task ids), one record per id'
            cand tgid 'Statistics of whole processes: the kernel''s sum over a thread group'
            cand threads 'A process and each of its threads, in one call: which thread waits?'
            cand top 'A live view of the tasks with the highest delay rates'
            cand cgroup-fd 'Task-state counts of a cgroup; --totals sums its processes'' statistics'
            cand listen 'Print the statistics of every task as it exits'
            cand run 'Run a command and report its statistics when it exits, like time(1)'
            cand serve 'Export per-cgroup delays, CPU, I/O and context switches to Prometheus'
            cand record 'Keep history: every process''s figures every interval, and every exit'
            cand replay 'top''s view over the stored history'
            cand dump 'Print the stored history as ndjson, csv or OpenMetrics'
            cand decode 'Print the records of a file written by `listen --write`'
            cand check 'Diagnose whether taskstats queries can work here, and how to fix them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskstat;pid'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --interval 'Sample every SECS seconds and print what happened in each interval: the differences of every figure, each delay category''s share of wall time and average wait, CPU %, context switches/s and I/O bytes/s. The first output comes after the first interval'
            cand --count 'With --interval: stop after N intervals (default: until interrupted)'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --json 'Same as --format json'
            cand -d 'Show the delay section (getdelays -d)'
            cand --delays 'Show the delay section (getdelays -d)'
            cand -i 'Show the I/O section (getdelays -i)'
            cand --io 'Show the I/O section (getdelays -i)'
            cand -q 'Show the context-switch section (getdelays -q)'
            cand --context-switches 'Show the context-switch section (getdelays -q)'
            cand --cpu 'Show the task and CPU-time sections'
            cand --memory 'Show the memory section'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;tgid'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --interval 'Sample every SECS seconds and print what happened in each interval: the differences of every figure, each delay category''s share of wall time and average wait, CPU %, context switches/s and I/O bytes/s. The first output comes after the first interval'
            cand --count 'With --interval: stop after N intervals (default: until interrupted)'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --json 'Same as --format json'
            cand -d 'Show the delay section (getdelays -d)'
            cand --delays 'Show the delay section (getdelays -d)'
            cand -i 'Show the I/O section (getdelays -i)'
            cand --io 'Show the I/O section (getdelays -i)'
            cand -q 'Show the context-switch section (getdelays -q)'
            cand --context-switches 'Show the context-switch section (getdelays -q)'
            cand --cpu 'Show the task and CPU-time sections'
            cand --memory 'Show the memory section'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;threads'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --sort 'Order of the threads: by a column of top (the words of top -s), or by one delay category''s total wait (largest first), or by thread id'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --json 'Same as --format json'
            cand -d 'Show the delay section (getdelays -d)'
            cand --delays 'Show the delay section (getdelays -d)'
            cand -i 'Show the I/O section (getdelays -i)'
            cand --io 'Show the I/O section (getdelays -i)'
            cand -q 'Show the context-switch section (getdelays -q)'
            cand --context-switches 'Show the context-switch section (getdelays -q)'
            cand --cpu 'Show the task and CPU-time sections'
            cand --memory 'Show the memory section'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;top'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand -d 'Seconds between refreshes'
            cand --interval 'Seconds between refreshes'
            cand -n 'Stop after N refreshes (batch mode: default 1)'
            cand --iterations 'Stop after N refreshes (batch mode: default 1)'
            cand -s 'Column to sort by (largest first)'
            cand --sort 'Column to sort by (largest first)'
            cand --rows 'Show at most N tasks per refresh (batch mode: all)'
            cand --max-rate 'At most this many netlink queries per second (after a burst of a tenth of a second''s worth), to bound the cost on machines with many tasks'
            cand -p 'Only these processes (with -H, their threads); comma-separated or repeated. Only they are queried'
            cand --pid 'Only these processes (with -H, their threads); comma-separated or repeated. Only they are queried'
            cand -u 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated'
            cand --user 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated'
            cand --comm 'Only tasks whose name matches this regular expression, anywhere in the name unless anchored (as pgrep matches): e.g. ''^kworker'''
            cand --cgroup 'Only tasks in this cgroup2 group or below it: its path in the tree (/system.slice/ssh.service) or its directory under the cgroup2 mount. Only they are queried'
            cand --by 'One row per cgroup2 group, user or command name instead of per task, with the processes that exited in an interval counted in it'
            cand -b 'Batch mode: plain tables, one per refresh, separated by a blank line'
            cand --batch 'Batch mode: plain tables, one per refresh, separated by a blank line'
            cand -H 'Show threads instead of processes'
            cand --threads 'Show threads instead of processes'
            cand -o 'Only tasks that did something in the interval: ran, waited or did I/O'
            cand --only 'Only tasks that did something in the interval: ran, waited or did I/O'
            cand -a 'Totals since top started (context switches, bytes read and written; shares of the whole time) instead of rates, as iotop -a'
            cand --accumulated 'Totals since top started (context switches, bytes read and written; shares of the whole time) instead of rates, as iotop -a'
            cand --json 'Print the refreshes as JSON instead of tables (implies -b): one array, an element per refresh with its rows; null where a figure is not measured. With --by cgroup, each row has the group''s unit, container_id and pod_uid and its share of time stalled (PSI)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;cgroup-fd'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --fd 'Use a descriptor of a cgroup directory that the caller holds open (e.g. `taskstat cgroup-fd --fd 3 3</sys/fs/cgroup/cpu/app`)'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --totals 'Also sum the statistics of every process in the cgroup (needs CAP_NET_ADMIN)'
            cand --recursive 'With --totals: include the processes of every cgroup below it'
            cand --json 'Same as --format json'
            cand -d 'Show the delay section (getdelays -d)'
            cand --delays 'Show the delay section (getdelays -d)'
            cand -i 'Show the I/O section (getdelays -i)'
            cand --io 'Show the I/O section (getdelays -i)'
            cand -q 'Show the context-switch section (getdelays -q)'
            cand --context-switches 'Show the context-switch section (getdelays -q)'
            cand --cpu 'Show the task and CPU-time sections'
            cand --memory 'Show the memory section'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;listen'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --cpus 'CPUs to listen on, as a cpulist like 0-3,5 (default: every possible CPU)'
            cand --rcvbuf 'Socket receive buffer in bytes: room for records while taskstat is busy writing (SO_RCVBUFFORCE as root, else capped by net.core.rmem_max)'
            cand --tgid 'Only records of this thread group (repeatable)'
            cand --comm 'Only tasks whose name matches this regular expression, anywhere in the name unless anchored (as pgrep matches): e.g. ''^nginx'''
            cand -u 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated'
            cand --user 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated'
            cand --cgroup 'Only tasks in this cgroup2 group or below it: its path in the tree or its directory under the cgroup2 mount. A task is placed by where it, or for a task too short-lived to be seen its parent, was last seen (the group is read every 100 ms)'
            cand --count 'Stop after printing this many records'
            cand --duration 'Stop after this many seconds'
            cand --write 'Also append the raw records to FILE, with a header that describes them; read it back with `taskstat decode FILE`'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --groups-only 'One record per exiting process: the tgid record of a multi-threaded process, the pid record of a single-threaded one (flag AGROUP)'
            cand --json 'Same as --format json'
            cand -d 'Show the delay section (getdelays -d)'
            cand --delays 'Show the delay section (getdelays -d)'
            cand -i 'Show the I/O section (getdelays -i)'
            cand --io 'Show the I/O section (getdelays -i)'
            cand -q 'Show the context-switch section (getdelays -q)'
            cand --context-switches 'Show the context-switch section (getdelays -q)'
            cand --cpu 'Show the task and CPU-time sections'
            cand --memory 'Show the memory section'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;run'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand -o 'Write the report to FILE (- for stdout) instead of stderr. json, ndjson and csv need it: on stderr the command''s own messages would break them'
            cand --output 'Write the report to FILE (- for stdout) instead of stderr. json, ndjson and csv need it: on stderr the command''s own messages would break them'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --threads 'Also print the record of each of the command''s threads'
            cand --children 'Also list each descendant process that exited while the command ran (the total covers them either way)'
            cand -v 'Print the command''s full record and the tree''s total instead of the short summary (the summary is the default of the table format)'
            cand --verbose 'Print the command''s full record and the tree''s total instead of the short summary (the summary is the default of the table format)'
            cand --json 'Same as --format json'
            cand -d 'Show the delay section (getdelays -d)'
            cand --delays 'Show the delay section (getdelays -d)'
            cand -i 'Show the I/O section (getdelays -i)'
            cand --io 'Show the I/O section (getdelays -i)'
            cand -q 'Show the context-switch section (getdelays -q)'
            cand --context-switches 'Show the context-switch section (getdelays -q)'
            cand --cpu 'Show the task and CPU-time sections'
            cand --memory 'Show the memory section'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;serve'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --listen 'Address and port to serve /metrics on: an IP address, or a host name such as localhost, looked up once at start (its first IPv4 address, else its first)'
            cand --textfile 'Instead of serving, write the exposition to PATH every --interval seconds (a temporary file renamed over it), for node_exporter''s textfile collector'
            cand --interval 'Seconds between writes of --textfile'
            cand --depth 'Fold cgroup paths deeper than N into their ancestor at depth N (1: /system.slice, /user.slice, ...)'
            cand --max-series 'At most this many cgroup series; groups beyond it are counted in cgroup="(other)"'
            cand --cache 'A scrape within this many seconds of the last sweep is answered from it, so that several scrapers do not multiply the load'
            cand --max-rate 'At most this many netlink queries per second in a sweep (as top)'
            cand --histograms-by 'Keep the histograms per cgroup series, command name or user (implies --histograms). At most --max-series keys; later ones are counted in "(other)"'
            cand --histograms 'Also export histograms of each exited process''s waits (cpu, io, memory), longest single wait, CPU time and wall time, per cgroup series: taskstat_process_*_seconds. Native histograms for a scraper that asks for protobuf, classic buckets (10 µs to 100 s) in the text formats. Off by default: each key adds up to 8 × 25 series'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;record'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --dir 'The store''s directory (created if missing)'
            cand -d 'Seconds between samples, from 0.1 to 86400 (a day)'
            cand --interval 'Seconds between samples, from 0.1 to 86400 (a day)'
            cand --max-size 'The store''s largest size, at least 1M: whole files go, oldest first, beyond it (K, M, G: powers of 1024)'
            cand --max-age 'Remove files older than this (s, m, h, d; e.g. 7d)'
            cand --group 'Let this group read the store too (a name or a gid, e.g. adm): the directory is then 0750 and its files 0640, not 0700 and 0600'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;replay'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --dir 'The store''s directory'
            cand --begin 'From this time: YYYY-MM-DD HH:MM[:SS] (local), HH:MM[:SS] (today), RFC 3339, -10m or -2h (before now), or @UNIX'
            cand --end 'Until this time (the same forms as --begin)'
            cand -n 'Stop after N samples (batch mode: default every sample in the range)'
            cand --iterations 'Stop after N samples (batch mode: default every sample in the range)'
            cand -s 'Column to sort by (largest first)'
            cand --sort 'Column to sort by (largest first)'
            cand --rows 'Show at most N rows per sample (batch mode: all)'
            cand -p 'Only these processes; comma-separated or repeated'
            cand --pid 'Only these processes; comma-separated or repeated'
            cand -u 'Only processes of these users: names or numeric uids'
            cand --user 'Only processes of these users: names or numeric uids'
            cand --comm 'Only processes whose name matches this regular expression'
            cand --cgroup 'Only processes that were in this cgroup2 group or below it (its path in the tree, e.g. /system.slice/ssh.service)'
            cand --by 'One row per cgroup2 group, user or command name instead of per process'
            cand -b 'Batch mode: plain tables, one per stored sample, each after a line that starts with the sample''s time'
            cand --batch 'Batch mode: plain tables, one per stored sample, each after a line that starts with the sample''s time'
            cand -o 'Only rows that did something in the interval'
            cand --only 'Only rows that did something in the interval'
            cand -a 'Totals since the first sample of the range (context switches, bytes read and written; shares of the whole time) instead of rates, as top -a'
            cand --accumulated 'Totals since the first sample of the range (context switches, bytes read and written; shares of the whole time) instead of rates, as top -a'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;dump'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --dir 'The store''s directory'
            cand --begin 'From this time: YYYY-MM-DD HH:MM[:SS] (local), HH:MM[:SS] (today), RFC 3339, -10m or -2h (before now), or @UNIX'
            cand --end 'Until this time (the same forms as --begin)'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --by 'One record per process per sample, or one per cgroup per sample'
            cand -p 'Only these processes; comma-separated or repeated'
            cand --pid 'Only these processes; comma-separated or repeated'
            cand -u 'Only processes of these users: names or numeric uids'
            cand --user 'Only processes of these users: names or numeric uids'
            cand --comm 'Only processes whose name matches this regular expression'
            cand --cgroup 'Only processes that were in this cgroup2 group or below it (its path in the tree, e.g. /system.slice/ssh.service)'
            cand --changed 'Only the processes (or cgroups) whose figures changed since the previous sample, those seen for the first time, and every process that exited'
            cand --compact 'Smaller records: ndjson leaves out null fields (a missing field is null) and each record''s sources and notes; csv has a process''s identity, CPU times, each delay category''s count and total, context switches, I/O bytes, peak RSS and major faults'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;decode'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand -f 'Output format'
            cand --format 'Output format'
            cand --json 'Same as --format json'
            cand -d 'Show the delay section (getdelays -d)'
            cand --delays 'Show the delay section (getdelays -d)'
            cand -i 'Show the I/O section (getdelays -i)'
            cand --io 'Show the I/O section (getdelays -i)'
            cand -q 'Show the context-switch section (getdelays -q)'
            cand --context-switches 'Show the context-switch section (getdelays -q)'
            cand --cpu 'Show the task and CPU-time sections'
            cand --memory 'Show the memory section'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;check'= {
            cand --timeout 'How long to wait for each answer from the kernel, in milliseconds'
            cand --source 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats'
            cand --json 'Print the checks as JSON'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'taskstat;help'= {
            cand pid 'Statistics of single threads (task ids), one record per id'
            cand tgid 'Statistics of whole processes: the kernel''s sum over a thread group'
            cand threads 'A process and each of its threads, in one call: which thread waits?'
            cand top 'A live view of the tasks with the highest delay rates'
            cand cgroup-fd 'Task-state counts of a cgroup; --totals sums its processes'' statistics'
            cand listen 'Print the statistics of every task as it exits'
            cand run 'Run a command and report its statistics when it exits, like time(1)'
            cand serve 'Export per-cgroup delays, CPU, I/O and context switches to Prometheus'
            cand record 'Keep history: every process''s figures every interval, and every exit'
            cand replay 'top''s view over the stored history'
            cand dump 'Print the stored history as ndjson, csv or OpenMetrics'
            cand decode 'Print the records of a file written by `listen --write`'
            cand check 'Diagnose whether taskstats queries can work here, and how to fix them'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'taskstat;help;pid'= {
        }
        &'taskstat;help;tgid'= {
        }
        &'taskstat;help;threads'= {
        }
        &'taskstat;help;top'= {
        }
        &'taskstat;help;cgroup-fd'= {
        }
        &'taskstat;help;listen'= {
        }
        &'taskstat;help;run'= {
        }
        &'taskstat;help;serve'= {
        }
        &'taskstat;help;record'= {
        }
        &'taskstat;help;replay'= {
        }
        &'taskstat;help;dump'= {
        }
        &'taskstat;help;decode'= {
        }
        &'taskstat;help;check'= {
        }
        &'taskstat;help;help'= {
        }
    ]
    $completions[$command]
}
