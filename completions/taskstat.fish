# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_taskstat_global_optspecs
    string join \n timeout= h/help V/version
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
complete -c taskstat -n "__fish_taskstat_needs_command" -s h -l help -d 'Print help'
complete -c taskstat -n "__fish_taskstat_needs_command" -s V -l version -d 'Print version'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "pid" -d 'Statistics of single threads (task ids), one record per id'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "tgid" -d 'Statistics of whole processes: the kernel\'s sum over a thread group'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "cgroup-fd" -d 'Task-state counts of a cgroup, and with --totals its processes\' summed statistics'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "check" -d 'Diagnose whether taskstats queries can work here, and how to fix them'
complete -c taskstat -n "__fish_taskstat_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand pid" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand tgid" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l fd -d 'Use a descriptor of a cgroup directory that the caller holds open (e.g. `taskstat cgroup-fd --fd 3 3</sys/fs/cgroup/cpu/app`)' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s f -l format -d 'Output format' -r -f -a "table\t'Human-readable sections (the default)'
json\t'One JSON array of records'
ndjson\t'One JSON record per line, flushed per record'
csv\t'A header row and one row per record; nested keys joined with dots'
getdelays\t'The exact text of the kernel\'s getdelays -d -i -q'"
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l totals -d 'Also sum the statistics of every process in the cgroup (needs CAP_NET_ADMIN)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l recursive -d 'With --totals: include the processes of every cgroup below it'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l json -d 'Same as --format json'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s d -l delays -d 'Show the delay section (getdelays -d)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s i -l io -d 'Show the I/O section (getdelays -i)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s q -l context-switches -d 'Show the context-switch section (getdelays -q)'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l cpu -d 'Show the task and CPU-time sections'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -l memory -d 'Show the memory section'
complete -c taskstat -n "__fish_taskstat_using_subcommand cgroup-fd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c taskstat -n "__fish_taskstat_using_subcommand check" -l timeout -d 'How long to wait for each answer from the kernel, in milliseconds' -r
complete -c taskstat -n "__fish_taskstat_using_subcommand check" -l json -d 'Print the checks as JSON'
complete -c taskstat -n "__fish_taskstat_using_subcommand check" -s h -l help -d 'Print help'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid cgroup-fd check help" -f -a "pid" -d 'Statistics of single threads (task ids), one record per id'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid cgroup-fd check help" -f -a "tgid" -d 'Statistics of whole processes: the kernel\'s sum over a thread group'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid cgroup-fd check help" -f -a "cgroup-fd" -d 'Task-state counts of a cgroup, and with --totals its processes\' summed statistics'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid cgroup-fd check help" -f -a "check" -d 'Diagnose whether taskstats queries can work here, and how to fix them'
complete -c taskstat -n "__fish_taskstat_using_subcommand help; and not __fish_seen_subcommand_from pid tgid cgroup-fd check help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
