
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
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('pid', 'pid', [CompletionResultType]::ParameterValue, 'Statistics of single threads (task ids), one record per id')
            [CompletionResult]::new('tgid', 'tgid', [CompletionResultType]::ParameterValue, 'Statistics of whole processes: the kernel''s sum over a thread group')
            [CompletionResult]::new('cgroup-fd', 'cgroup-fd', [CompletionResultType]::ParameterValue, 'Task-state counts of a cgroup, and with --totals its processes'' summed statistics')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Diagnose whether taskstats queries can work here, and how to fix them')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'taskstat;pid' {
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
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
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
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
        'taskstat;cgroup-fd' {
            [CompletionResult]::new('--fd', '--fd', [CompletionResultType]::ParameterName, 'Use a descriptor of a cgroup directory that the caller holds open (e.g. `taskstat cgroup-fd --fd 3 3</sys/fs/cgroup/cpu/app`)')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
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
        'taskstat;check' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'How long to wait for each answer from the kernel, in milliseconds')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the checks as JSON')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            break
        }
        'taskstat;help' {
            [CompletionResult]::new('pid', 'pid', [CompletionResultType]::ParameterValue, 'Statistics of single threads (task ids), one record per id')
            [CompletionResult]::new('tgid', 'tgid', [CompletionResultType]::ParameterValue, 'Statistics of whole processes: the kernel''s sum over a thread group')
            [CompletionResult]::new('cgroup-fd', 'cgroup-fd', [CompletionResultType]::ParameterValue, 'Task-state counts of a cgroup, and with --totals its processes'' summed statistics')
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
        'taskstat;help;cgroup-fd' {
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
