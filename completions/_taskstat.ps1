
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'taskstat' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'taskstat'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'taskstat' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('pid', 'pid', [CompletionResultType]::ParameterValue, 'Statistics of single threads (task ids), one record per id')
            [CompletionResult]::new('tgid', 'tgid', [CompletionResultType]::ParameterValue, 'Statistics of whole processes: the kernel''s sum over a thread group')
            [CompletionResult]::new('threads', 'threads', [CompletionResultType]::ParameterValue, 'A process and each of its threads, in one call: which thread waits?')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live view of the tasks with the highest delay rates')
            [CompletionResult]::new('cgroup-fd', 'cgroup-fd', [CompletionResultType]::ParameterValue, 'Task-state counts of a cgroup; --totals sums its processes'' statistics')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Print the statistics of every task as it exits')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command and report its statistics when it exits, like time(1)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Export per-cgroup delays, CPU, I/O and context switches to Prometheus')
            [CompletionResult]::new('record', 'record', [CompletionResultType]::ParameterValue, 'Keep history: every process''s figures every interval, and every exit')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'top''s view over the stored history')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print the stored history as ndjson, csv or OpenMetrics')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Print the records of a file written by `listen --write`')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Diagnose whether taskstats queries can work here, and how to fix them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskstat;pid' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Sample every SECS seconds and print what happened in each interval: the differences of every figure, each delay category''s share of wall time and average wait, CPU %, context switches/s and I/O bytes/s. The first output comes after the first interval')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --interval: stop after N intervals (default: until interrupted)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('--delays', '--delays', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('--io', '--io', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--context-switches', '--context-switches', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Show the task and CPU-time sections')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show the memory section')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;tgid' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Sample every SECS seconds and print what happened in each interval: the differences of every figure, each delay category''s share of wall time and average wait, CPU %, context switches/s and I/O bytes/s. The first output comes after the first interval')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'With --interval: stop after N intervals (default: until interrupted)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('--delays', '--delays', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('--io', '--io', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--context-switches', '--context-switches', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Show the task and CPU-time sections')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show the memory section')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;threads' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Order of the threads: by a column of top (the words of top -s), or by one delay category''s total wait (largest first), or by thread id')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('--delays', '--delays', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('--io', '--io', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--context-switches', '--context-switches', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Show the task and CPU-time sections')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show the memory section')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;top' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Seconds between refreshes')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between refreshes')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after N refreshes (batch mode: default 1)')
            [CompletionResult]::new('--iterations', '--iterations', [CompletionResultType]::ParameterName, 'Stop after N refreshes (batch mode: default 1)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Column to sort by (largest first)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Column to sort by (largest first)')
            [CompletionResult]::new('--rows', '--rows', [CompletionResultType]::ParameterName, 'Show at most N tasks per refresh (batch mode: all)')
            [CompletionResult]::new('--max-rate', '--max-rate', [CompletionResultType]::ParameterName, 'At most this many netlink queries per second (after a burst of a tenth of a second''s worth), to bound the cost on machines with many tasks')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these processes (with -H, their threads); comma-separated or repeated. Only they are queried')
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Only these processes (with -H, their threads); comma-separated or repeated. Only they are queried')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated')
            [CompletionResult]::new('--comm', '--comm', [CompletionResultType]::ParameterName, 'Only tasks whose name matches this regular expression, anywhere in the name unless anchored (as pgrep matches): e.g. ''^kworker''')
            [CompletionResult]::new('--cgroup', '--cgroup', [CompletionResultType]::ParameterName, 'Only tasks in this cgroup2 group or below it: its path in the tree (/system.slice/ssh.service) or its directory under the cgroup2 mount. Only they are queried')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One row per cgroup2 group, user or command name instead of per task, with the processes that exited in an interval counted in it')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Batch mode: plain tables, one per refresh, separated by a blank line')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Batch mode: plain tables, one per refresh, separated by a blank line')
            [CompletionResult]::new('-H', '-H ', [CompletionResultType]::ParameterName, 'Show threads instead of processes')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Show threads instead of processes')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Only tasks that did something in the interval: ran, waited or did I/O')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only tasks that did something in the interval: ran, waited or did I/O')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Totals since top started (context switches, bytes read and written; shares of the whole time) instead of rates, as iotop -a')
            [CompletionResult]::new('--accumulated', '--accumulated', [CompletionResultType]::ParameterName, 'Totals since top started (context switches, bytes read and written; shares of the whole time) instead of rates, as iotop -a')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the refreshes as JSON instead of tables (implies -b): one array, an element per refresh with its rows; null where a figure is not measured. With --by cgroup, each row has the group''s unit, container_id and pod_uid and its share of time stalled (PSI)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;cgroup-fd' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--fd', '--fd', [CompletionResultType]::ParameterName, 'Use a descriptor of a cgroup directory that the caller holds open (e.g. `taskstat cgroup-fd --fd 3 3</sys/fs/cgroup/cpu/app`)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--totals', '--totals', [CompletionResultType]::ParameterName, 'Also sum the statistics of every process in the cgroup (needs CAP_NET_ADMIN)')
            [CompletionResult]::new('--recursive', '--recursive', [CompletionResultType]::ParameterName, 'With --totals: include the processes of every cgroup below it')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('--delays', '--delays', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('--io', '--io', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--context-switches', '--context-switches', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Show the task and CPU-time sections')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show the memory section')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;listen' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--cpus', '--cpus', [CompletionResultType]::ParameterName, 'CPUs to listen on, as a cpulist like 0-3,5 (default: every possible CPU)')
            [CompletionResult]::new('--rcvbuf', '--rcvbuf', [CompletionResultType]::ParameterName, 'Socket receive buffer in bytes: room for records while taskstat is busy writing (SO_RCVBUFFORCE as root, else capped by net.core.rmem_max)')
            [CompletionResult]::new('--tgid', '--tgid', [CompletionResultType]::ParameterName, 'Only records of this thread group (repeatable)')
            [CompletionResult]::new('--comm', '--comm', [CompletionResultType]::ParameterName, 'Only tasks whose name matches this regular expression, anywhere in the name unless anchored (as pgrep matches): e.g. ''^nginx''')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only tasks of these users: names (looked up in the system''s user database) or numeric uids; comma-separated or repeated')
            [CompletionResult]::new('--cgroup', '--cgroup', [CompletionResultType]::ParameterName, 'Only tasks in this cgroup2 group or below it: its path in the tree or its directory under the cgroup2 mount. A task is placed by where it, or for a task too short-lived to be seen its parent, was last seen (the group is read every 100 ms)')
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'Stop after printing this many records')
            [CompletionResult]::new('--duration', '--duration', [CompletionResultType]::ParameterName, 'Stop after this many seconds')
            [CompletionResult]::new('--write', '--write', [CompletionResultType]::ParameterName, 'Also append the raw records to FILE, with a header that describes them; read it back with `taskstat decode FILE`')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--groups-only', '--groups-only', [CompletionResultType]::ParameterName, 'One record per exiting process: the tgid record of a multi-threaded process, the pid record of a single-threaded one (flag AGROUP)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('--delays', '--delays', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('--io', '--io', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--context-switches', '--context-switches', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Show the task and CPU-time sections')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show the memory section')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;run' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Write the report to FILE (- for stdout) instead of stderr. json, ndjson and csv need it: on stderr the command''s own messages would break them')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Write the report to FILE (- for stdout) instead of stderr. json, ndjson and csv need it: on stderr the command''s own messages would break them')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Also print the record of each of the command''s threads')
            [CompletionResult]::new('--children', '--children', [CompletionResultType]::ParameterName, 'Also list each descendant process that exited while the command ran (the total covers them either way)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Print the command''s full record and the tree''s total instead of the short summary (the summary is the default of the table format)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Print the command''s full record and the tree''s total instead of the short summary (the summary is the default of the table format)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('--delays', '--delays', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('--io', '--io', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--context-switches', '--context-switches', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Show the task and CPU-time sections')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show the memory section')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;serve' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address and port to serve /metrics on: an IP address, or a host name such as localhost, looked up once at start (its first IPv4 address, else its first)')
            [CompletionResult]::new('--textfile', '--textfile', [CompletionResultType]::ParameterName, 'Instead of serving, write the exposition to PATH every --interval seconds (a temporary file renamed over it), for node_exporter''s textfile collector')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between writes of --textfile')
            [CompletionResult]::new('--depth', '--depth', [CompletionResultType]::ParameterName, 'Fold cgroup paths deeper than N into their ancestor at depth N (1: /system.slice, /user.slice, ...)')
            [CompletionResult]::new('--max-series', '--max-series', [CompletionResultType]::ParameterName, 'At most this many cgroup series; groups beyond it are counted in cgroup="(other)"')
            [CompletionResult]::new('--cache', '--cache', [CompletionResultType]::ParameterName, 'A scrape within this many seconds of the last sweep is answered from it, so that several scrapers do not multiply the load')
            [CompletionResult]::new('--max-rate', '--max-rate', [CompletionResultType]::ParameterName, 'At most this many netlink queries per second in a sweep (as top)')
            [CompletionResult]::new('--histograms-by', '--histograms-by', [CompletionResultType]::ParameterName, 'Keep the histograms per cgroup series, command name or user (implies --histograms). At most --max-series keys; later ones are counted in "(other)"')
            [CompletionResult]::new('--histograms', '--histograms', [CompletionResultType]::ParameterName, 'Also export histograms of each exited process''s waits (cpu, io, memory), longest single wait, CPU time and wall time, per cgroup series: taskstat_process_*_seconds. Native histograms for a scraper that asks for protobuf, classic buckets (10 µs to 100 s) in the text formats. Off by default: each key adds up to 8 × 25 series')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;record' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The store''s directory (created if missing)')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Seconds between samples, from 0.1 to 86400 (a day)')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'Seconds between samples, from 0.1 to 86400 (a day)')
            [CompletionResult]::new('--max-size', '--max-size', [CompletionResultType]::ParameterName, 'The store''s largest size, at least 1M: whole files go, oldest first, beyond it (K, M, G: powers of 1024)')
            [CompletionResult]::new('--max-age', '--max-age', [CompletionResultType]::ParameterName, 'Remove files older than this (s, m, h, d; e.g. 7d)')
            [CompletionResult]::new('--group', '--group', [CompletionResultType]::ParameterName, 'Let this group read the store too (a name or a gid, e.g. adm): the directory is then 0750 and its files 0640, not 0700 and 0600')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;replay' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The store''s directory')
            [CompletionResult]::new('--begin', '--begin', [CompletionResultType]::ParameterName, 'From this time: YYYY-MM-DD HH:MM[:SS] (local), HH:MM[:SS] (today), RFC 3339, -10m or -2h (before now), or @UNIX')
            [CompletionResult]::new('--end', '--end', [CompletionResultType]::ParameterName, 'Until this time (the same forms as --begin)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Stop after N samples (batch mode: default every sample in the range)')
            [CompletionResult]::new('--iterations', '--iterations', [CompletionResultType]::ParameterName, 'Stop after N samples (batch mode: default every sample in the range)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'Column to sort by (largest first)')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Column to sort by (largest first)')
            [CompletionResult]::new('--rows', '--rows', [CompletionResultType]::ParameterName, 'Show at most N rows per sample (batch mode: all)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these processes; comma-separated or repeated')
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Only these processes; comma-separated or repeated')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Only processes of these users: names or numeric uids')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only processes of these users: names or numeric uids')
            [CompletionResult]::new('--comm', '--comm', [CompletionResultType]::ParameterName, 'Only processes whose name matches this regular expression')
            [CompletionResult]::new('--cgroup', '--cgroup', [CompletionResultType]::ParameterName, 'Only processes that were in this cgroup2 group or below it (its path in the tree, e.g. /system.slice/ssh.service)')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One row per cgroup2 group, user or command name instead of per process')
            [CompletionResult]::new('-b', '-b', [CompletionResultType]::ParameterName, 'Batch mode: plain tables, one per stored sample, each after a line that starts with the sample''s time')
            [CompletionResult]::new('--batch', '--batch', [CompletionResultType]::ParameterName, 'Batch mode: plain tables, one per stored sample, each after a line that starts with the sample''s time')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Only rows that did something in the interval')
            [CompletionResult]::new('--only', '--only', [CompletionResultType]::ParameterName, 'Only rows that did something in the interval')
            [CompletionResult]::new('-a', '-a', [CompletionResultType]::ParameterName, 'Totals since the first sample of the range (context switches, bytes read and written; shares of the whole time) instead of rates, as top -a')
            [CompletionResult]::new('--accumulated', '--accumulated', [CompletionResultType]::ParameterName, 'Totals since the first sample of the range (context switches, bytes read and written; shares of the whole time) instead of rates, as top -a')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;dump' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'The store''s directory')
            [CompletionResult]::new('--begin', '--begin', [CompletionResultType]::ParameterName, 'From this time: YYYY-MM-DD HH:MM[:SS] (local), HH:MM[:SS] (today), RFC 3339, -10m or -2h (before now), or @UNIX')
            [CompletionResult]::new('--end', '--end', [CompletionResultType]::ParameterName, 'Until this time (the same forms as --begin)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--by', '--by', [CompletionResultType]::ParameterName, 'One record per process per sample, or one per cgroup per sample')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Only these processes; comma-separated or repeated')
            [CompletionResult]::new('--pid', '--pid', [CompletionResultType]::ParameterName, 'Only these processes; comma-separated or repeated')
            [CompletionResult]::new('-u', '-u', [CompletionResultType]::ParameterName, 'Only processes of these users: names or numeric uids')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'Only processes of these users: names or numeric uids')
            [CompletionResult]::new('--comm', '--comm', [CompletionResultType]::ParameterName, 'Only processes whose name matches this regular expression')
            [CompletionResult]::new('--cgroup', '--cgroup', [CompletionResultType]::ParameterName, 'Only processes that were in this cgroup2 group or below it (its path in the tree, e.g. /system.slice/ssh.service)')
            [CompletionResult]::new('--changed', '--changed', [CompletionResultType]::ParameterName, 'Only the processes (or cgroups) whose figures changed since the previous sample, those seen for the first time, and every process that exited')
            [CompletionResult]::new('--compact', '--compact', [CompletionResultType]::ParameterName, 'Smaller records: ndjson leaves out null fields (a missing field is null) and each record''s sources and notes; csv has a process''s identity, CPU times, each delay category''s count and total, context switches, I/O bytes, peak RSS and major faults')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;decode' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Same as --format json')
            [CompletionResult]::new('-d', '-d', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('--delays', '--delays', [CompletionResultType]::ParameterName, 'Show the delay section (getdelays -d)')
            [CompletionResult]::new('-i', '-i', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('--io', '--io', [CompletionResultType]::ParameterName, 'Show the I/O section (getdelays -i)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--context-switches', '--context-switches', [CompletionResultType]::ParameterName, 'Show the context-switch section (getdelays -q)')
            [CompletionResult]::new('--cpu', '--cpu', [CompletionResultType]::ParameterName, 'Show the task and CPU-time sections')
            [CompletionResult]::new('--memory', '--memory', [CompletionResultType]::ParameterName, 'Show the memory section')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;check' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--source', '--source', [CompletionResultType]::ParameterName, 'Where records come from: taskstats, or without CAP_NET_ADMIN a partial view from /proc (auto: taskstats when it answers). cgroup-fd, listen, run, serve and record need taskstats')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the checks as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'taskstat;help' {
            [CompletionResult]::new('pid', 'pid', [CompletionResultType]::ParameterValue, 'Statistics of single threads (task ids), one record per id')
            [CompletionResult]::new('tgid', 'tgid', [CompletionResultType]::ParameterValue, 'Statistics of whole processes: the kernel''s sum over a thread group')
            [CompletionResult]::new('threads', 'threads', [CompletionResultType]::ParameterValue, 'A process and each of its threads, in one call: which thread waits?')
            [CompletionResult]::new('top', 'top', [CompletionResultType]::ParameterValue, 'A live view of the tasks with the highest delay rates')
            [CompletionResult]::new('cgroup-fd', 'cgroup-fd', [CompletionResultType]::ParameterValue, 'Task-state counts of a cgroup; --totals sums its processes'' statistics')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Print the statistics of every task as it exits')
            [CompletionResult]::new('run', 'run', [CompletionResultType]::ParameterValue, 'Run a command and report its statistics when it exits, like time(1)')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Export per-cgroup delays, CPU, I/O and context switches to Prometheus')
            [CompletionResult]::new('record', 'record', [CompletionResultType]::ParameterValue, 'Keep history: every process''s figures every interval, and every exit')
            [CompletionResult]::new('replay', 'replay', [CompletionResultType]::ParameterValue, 'top''s view over the stored history')
            [CompletionResult]::new('dump', 'dump', [CompletionResultType]::ParameterValue, 'Print the stored history as ndjson, csv or OpenMetrics')
            [CompletionResult]::new('decode', 'decode', [CompletionResultType]::ParameterValue, 'Print the records of a file written by `listen --write`')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Diagnose whether taskstats queries can work here, and how to fix them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskstat;help;pid' {
            break
        }
        'taskstat;help;tgid' {
            break
        }
        'taskstat;help;threads' {
            break
        }
        'taskstat;help;top' {
            break
        }
        'taskstat;help;cgroup-fd' {
            break
        }
        'taskstat;help;listen' {
            break
        }
        'taskstat;help;run' {
            break
        }
        'taskstat;help;serve' {
            break
        }
        'taskstat;help;record' {
            break
        }
        'taskstat;help;replay' {
            break
        }
        'taskstat;help;dump' {
            break
        }
        'taskstat;help;decode' {
            break
        }
        'taskstat;help;check' {
            break
        }
        'taskstat;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
