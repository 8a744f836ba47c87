# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_taskstat_global_optspecs
    string join \n timeout= source= h/help V/version
end

function __fish_taskstat_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_taskstat_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_taskstat_using_subcommand
    set -l cmd (__fish_taskstat_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c taskstat -n "__fish_taskstat_needs_command" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_needs_command" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_needs_command" -s V -l version -d 'Print version'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "pid" -d 'Statistics of single threads (task ids), one record per id'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "tgid" -d 'Statistics of whole processes: the kernel\'s sum over a thread group'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "threads" -d 'A process and each of its threads, in one call: which thread waits?'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "top" -d 'A live view of the tasks with the highest delay rates'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "cgroup-fd" -d 'Task-state counts of a cgroup; --totals sums its processes\' statistics'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "listen" -d 'Print the statistics of every task as it exits'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "run" -d 'Run a command and report its statistics when it exits, like time(1)'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "serve" -d 'Export per-cgroup delays, CPU, I/O and context switches to Prometheus'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "record" -d 'Keep history: every process\'s figures every interval, and every exit'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "replay" -d 'top\'s view over the stored history'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "dump" -d 'Print the stored history as ndjson, csv or OpenMetrics'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "decode" -d 'Print the records of a file written by `listen --write`'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "check" -d 'Diagnose whether taskstats queries can work here, and how to fix them'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l interval -d 'Sample every SECS seconds and print what happened in each interval: the differences of every figure, each delay category\'s share of wall time and average wait, CPU %, context switches/s and I/O bytes/s. The first output comes after the first interval' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l count -d 'With --interval: stop after N intervals (default: until interrupted)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records (cgroup-fd: one object)'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l interval -d 'Sample every SECS seconds and print what happened in each interval: the differences of every figure, each delay category\'s share of wall time and average wait, CPU %, context switches/s and I/O bytes/s. The first output comes after the first interval' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l count -d 'With --interval: stop after N intervals (default: until interrupted)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records (cgroup-fd: one object)'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -l sort -d 'Order of the threads: by a column of top (the words of top -s), or by one delay category\'s total wait (largest first), or by thread id' -r -f -a "tid\t''
runq\t'Run-queue wait (delays.cpu)'
cpu\t'CPU time (cpu.run_virtual_ns)'
io\t'Block I/O wait (delays.blkio)'
mem\t'Memory waits: swap-in, reclaim, thrashing, compaction, copy-on-write'
irq\t'IRQ and soft-IRQ time charged (delays.irq and delays.softirq)'
switches\t'Voluntary plus involuntary context switches'
read\t''
write\t''
swapin\t'Swap-in wait (delays.swapin)'
reclaim\t'Direct reclaim wait (delays.reclaim)'
thrashing\t'Thrashing wait (delays.thrashing)'
compact\t'Compaction wait (delays.compact)'
wpcopy\t'Copy-on-write wait (delays.wpcopy)'
softirq\t'Soft-IRQ time charged (delays.softirq; kernels with the 592-byte version 17 only)'"
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records (cgroup-fd: one object)'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand threads" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s d -l interval -d 'Seconds between refreshes' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s n -l iterations -d 'Stop after N refreshes (batch mode: default 1)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s s -l sort -d 'Column to sort by (largest first)' -r -f -a "runq\t'Run-queue wait (the default: who waits for a CPU)'
cpu\t''
io\t''
mem\t''
irq\t''
switches\t''
read\t''
write\t''
pid\t''"
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l rows -d 'Show at most N tasks per refresh (batch mode: all)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l max-rate -d 'At most this many netlink queries per second (after a burst of a tenth of a second\'s worth), to bound the cost on machines with many tasks' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s p -l pid -d 'Only these processes (with -H, their threads); comma-separated or repeated. Only they are queried' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s u -l user -d 'Only tasks of these users: names (looked up in the system\'s user database) or numeric uids; comma-separated or repeated' -r -f -a "(__fish_complete_users)"
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l comm -d 'Only tasks whose name matches this regular expression, anywhere in the name unless anchored (as pgrep matches): e.g. \'^kworker\'' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l cgroup -d 'Only tasks in this cgroup2 group or below it: its path in the tree (/system.slice/ssh.service) or its directory under the cgroup2 mount. Only they are queried' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l by -d 'One row per cgroup2 group, user or command name instead of per task, with the processes that exited in an interval counted in it' -r -f -a "task\t'A process (or with -H a thread)'
cgroup\t'A cgroup2 group (the `0::` line of /proc/PID/cgroup)'
user\t'A user'
comm\t'A command name'"
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s b -l batch -d 'Batch mode: plain tables, one per refresh, separated by a blank line'
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s H -l threads -d 'Show threads instead of processes'
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s o -l only -d 'Only tasks that did something in the interval: ran, waited or did I/O'
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s a -l accumulated -d 'Totals since top started (context switches, bytes read and written; shares of the whole time) instead of rates, as iotop -a'
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -l json -d 'Print the refreshes as JSON instead of tables (implies -b): one array, an element per refresh with its rows; null where a figure is not measured. With --by cgroup, each row has the group\'s unit, container_id and pod_uid and its share of time stalled (PSI)'
complete -c taskstat -n "__fish_taskstat_using_subcommand top" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l fd -d 'Use a descriptor of a cgroup directory that the caller holds open (e.g. `taskstat cgroup-fd --fd 3 3</sys/fs/cgroup/cpu/app`)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records (cgroup-fd: one object)'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l totals -d 'Also sum the statistics of every process in the cgroup (needs CAP_NET_ADMIN)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l recursive -d 'With --totals: include the processes of every cgroup below it'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l cpus -d 'CPUs to listen on, as a cpulist like 0-3,5 (default: every possible CPU)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l rcvbuf -d 'Socket receive buffer in bytes: room for records while taskstat is busy writing (SO_RCVBUFFORCE as root, else capped by net.core.rmem_max)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l tgid -d 'Only records of this thread group (repeatable)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l comm -d 'Only tasks whose name matches this regular expression, anywhere in the name unless anchored (as pgrep matches): e.g. \'^nginx\'' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -s u -l user -d 'Only tasks of these users: names (looked up in the system\'s user database) or numeric uids; comma-separated or repeated' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l cgroup -d 'Only tasks in this cgroup2 group or below it: its path in the tree or its directory under the cgroup2 mount. A task is placed by where it, or for a task too short-lived to be seen its parent, was last seen (the group is read every 100 ms)' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l count -d 'Stop after printing this many records' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l duration -d 'Stop after this many seconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l write -d 'Also append the raw records to FILE, with a header that describes them; read it back with `taskstat decode FILE`' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records (cgroup-fd: one object)'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l groups-only -d 'One record per exiting process: the tgid record of a multi-threaded process, the pid record of a single-threaded one (flag AGROUP)'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -s o -l output -d 'Write the report to FILE (- for stdout) instead of stderr. json, ndjson and csv need it: on stderr the command\'s own messages would break them' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records (cgroup-fd: one object)'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -l threads -d 'Also print the record of each of the command\'s threads'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -l children -d 'Also list each descendant process that exited while the command ran (the total covers them either way)'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -s v -l verbose -d 'Print the command\'s full record and the tree\'s total instead of the short summary (the summary is the default of the table format)'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand run" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l listen -d 'Address and port to serve /metrics on: an IP address, or a host name such as localhost, looked up once at start (its first IPv4 address, else its first)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l textfile -d 'Instead of serving, write the exposition to PATH every --interval seconds (a temporary file renamed over it), for node_exporter\'s textfile collector' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l interval -d 'Seconds between writes of --textfile' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l depth -d 'Fold cgroup paths deeper than N into their ancestor at depth N (1: /system.slice, /user.slice, ...)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l max-series -d 'At most this many cgroup series; groups beyond it are counted in cgroup="(other)"' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l cache -d 'A scrape within this many seconds of the last sweep is answered from it, so that several scrapers do not multiply the load' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l max-rate -d 'At most this many netlink queries per second in a sweep (as top)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l histograms-by -d 'Keep the histograms per cgroup series, command name or user (implies --histograms). At most --max-series keys; later ones are counted in "(other)"' -r -f -a "cgroup\t'The cgroup series, as the counters (--depth and --max-series apply)'
comm\t'The process\'s command name (comm: its last thread\'s, its leader\'s unless the leader ended first)'
user\t'The user the process ran as'"
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -l histograms -d 'Also export histograms of each exited process\'s waits (cpu, io, memory), longest single wait, CPU time and wall time, per cgroup series: taskstat_process_*_seconds. Native histograms for a scraper that asks for protobuf, classic buckets (10 µs to 100 s) in the text formats. Off by default: each key adds up to 8 × 25 series'
complete -c taskstat -n "__fish_taskstat_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -l dir -d 'The store\'s directory (created if missing)' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -s d -l interval -d 'Seconds between samples, from 0.1 to 86400 (a day)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -l max-size -d 'The store\'s largest size, at least 1M: whole files go, oldest first, beyond it (K, M, G: powers of 1024)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -l max-age -d 'Remove files older than this (s, m, h, d; e.g. 7d)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -l group -d 'Let this group read the store too (a name or a gid, e.g. adm): the directory is then 0750 and its files 0640, not 0700 and 0600' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand record" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l dir -d 'The store\'s directory' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l begin -d 'From this time: YYYY-MM-DD HH:MM[:SS] (local), HH:MM[:SS] (today), RFC 3339, -10m or -2h (before now), or @UNIX' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l end -d 'Until this time (the same forms as --begin)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s n -l iterations -d 'Stop after N samples (batch mode: default every sample in the range)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s s -l sort -d 'Column to sort by (largest first)' -r -f -a "runq\t'Run-queue wait (the default: who waits for a CPU)'
cpu\t''
io\t''
mem\t''
irq\t''
switches\t''
read\t''
write\t''
pid\t''"
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l rows -d 'Show at most N rows per sample (batch mode: all)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s p -l pid -d 'Only these processes; comma-separated or repeated' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s u -l user -d 'Only processes of these users: names or numeric uids' -r -f -a "(__fish_complete_users)"
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l comm -d 'Only processes whose name matches this regular expression' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l cgroup -d 'Only processes that were in this cgroup2 group or below it (its path in the tree, e.g. /system.slice/ssh.service)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -l by -d 'One row per cgroup2 group, user or command name instead of per process' -r -f -a "task\t'A process (or with -H a thread)'
cgroup\t'A cgroup2 group (the `0::` line of /proc/PID/cgroup)'
user\t'A user'
comm\t'A command name'"
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s b -l batch -d 'Batch mode: plain tables, one per stored sample, each after a line that starts with the sample\'s time'
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s o -l only -d 'Only rows that did something in the interval'
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s a -l accumulated -d 'Totals since the first sample of the range (context switches, bytes read and written; shares of the whole time) instead of rates, as top -a'
complete -c taskstat -n "__fish_taskstat_using_subcommand replay" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l dir -d 'The store\'s directory' -r -F
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l begin -d 'From this time: YYYY-MM-DD HH:MM[:SS] (local), HH:MM[:SS] (today), RFC 3339, -10m or -2h (before now), or @UNIX' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l end -d 'Until this time (the same forms as --begin)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -s f -l format -d 'Output format' -r -f -a "ndjson\t'One JSON object per line: a record and its `time`'
csv\t'A header row and one row per record; `time` first'
openmetrics\t'Counters with timestamps, under `serve`\'s metric names; with --by cgroup also each group\'s histograms of its exited processes'"
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l by -d 'One record per process per sample, or one per cgroup per sample' -r -f -a "task\t'A process'
cgroup\t'A cgroup2 group\'s totals; exits placed in no group are in "(unknown)"'"
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -s p -l pid -d 'Only these processes; comma-separated or repeated' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -s u -l user -d 'Only processes of these users: names or numeric uids' -r -f -a "(__fish_complete_users)"
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l comm -d 'Only processes whose name matches this regular expression' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l cgroup -d 'Only processes that were in this cgroup2 group or below it (its path in the tree, e.g. /system.slice/ssh.service)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l changed -d 'Only the processes (or cgroups) whose figures changed since the previous sample, those seen for the first time, and every process that exited'
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -l compact -d 'Smaller records: ndjson leaves out null fields (a missing field is null) and each record\'s sources and notes; csv has a process\'s identity, CPU times, each delay category\'s count and total, context switches, I/O bytes, peak RSS and major faults'
complete -c taskstat -n "__fish_taskstat_using_subcommand dump" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records (cgroup-fd: one object)'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand decode" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand check" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand check" -l source -d 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats' -r -f -a "auto\t'taskstats when it answers; a partial view from /proc when taskstats refuses (CAP_NET_ADMIN missing) or is not there'
taskstats\t'The kernel\'s taskstats interface only'
procfs\t'/proc only: a partial view that needs no privileges'"
complete -c taskstat -n "__fish_taskstat_using_subcommand check" -l json -d 'Print the checks as JSON'
complete -c taskstat -n "__fish_taskstat_using_subcommand check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "pid" -d 'Statistics of single threads (task ids), one record per id'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "tgid" -d 'Statistics of whole processes: the kernel\'s sum over a thread group'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "threads" -d 'A process and each of its threads, in one call: which thread waits?'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "top" -d 'A live view of the tasks with the highest delay rates'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "cgroup-fd" -d 'Task-state counts of a cgroup; --totals sums its processes\' statistics'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "listen" -d 'Print the statistics of every task as it exits'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "run" -d 'Run a command and report its statistics when it exits, like time(1)'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "serve" -d 'Export per-cgroup delays, CPU, I/O and context switches to Prometheus'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "record" -d 'Keep history: every process\'s figures every interval, and every exit'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "replay" -d 'top\'s view over the stored history'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "dump" -d 'Print the stored history as ndjson, csv or OpenMetrics'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "decode" -d 'Print the records of a file written by `listen --write`'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "check" -d 'Diagnose whether taskstats queries can work here, and how to fix them'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid threads top cgroup-fd listen run serve record replay dump decode check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
