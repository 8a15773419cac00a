function __writ_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __writ_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __writ_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __writ_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __writ_parse_tokens -S
    set -l unparsed_tokens (__writ_tokens -pc)
    switch $unparsed_tokens[1]
    case 'writ'
        __writ_parse_subcommand 0 'version' 'h/help'
        switch $unparsed_tokens[1]
        case 'init'
            __writ_parse_subcommand 1 'bare' 'governance-ref=' 'ledger-ref=' 'policy=' 'signers=' 'json' 'version' 'h/help'
        case 'propose'
            __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'as=' 'key=' 'push' 'trust=' 'force' 'kind=' 'target=' 'branch=' 'param=+' 'id=' 'summary=' 'blast-radius=' 'requires=+' 'expires=' 'idempotency-key=' 'json' 'version' 'h/help'
        case 'approve'
            __writ_parse_subcommand 1 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'as=' 'key=' 'push' 'trust=' 'force' 'deny' 'expires=' 'note=' 'branch=' 'merge' 'json' 'version' 'h/help'
        case 'status'
            __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'json' 'fetch' 'waiting-for=' 'version' 'h/help'
        case 'show'
            __writ_parse_subcommand 1 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'json' 'version' 'h/help'
        case 'log'
            __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'json' 'all' 'version' 'h/help'
        case 'verify'
            __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'json' 'version' 'h/help'
        case 'report'
            __writ_parse_subcommand 0 'html=' 'since=' 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'json' 'version' 'h/help'
        case 'dispatch'
            __writ_parse_subcommand 0 'config=' 'once' 'interval=' 'dry-run' 'forget-view=' 'json' 'log-level=' 'version' 'h/help'
        case 'resolve'
            __writ_parse_subcommand 1 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'as=' 'key=' 'push' 'trust=' 'force' 'succeeded' 'failed' 'retry' 'note=' 'version' 'h/help'
        case 'gate'
            __writ_parse_subcommand 1 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'as=' 'key=' 'push' 'trust=' 'force' 'name=' 'status=' 'version' 'h/help'
        case 'check-pr'
            __writ_parse_subcommand 0 'repo=' 'base=' 'head=' 'actor=' 'event=' 'ledger-ref=' 'remote=' 'json' 'version' 'h/help'
        case 'hook'
            __writ_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'pre-receive'
                __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'version' 'h/help'
            end
        case 'validate'
            __writ_parse_subcommand 1 'signers=' 'kind=' 'json' 'version' 'h/help'
        case 'governance'
            __writ_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'digest'
                __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'policy=' 'signers=' 'rev=' 'json' 'version' 'h/help'
            case 'propose'
                __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'as=' 'key=' 'push' 'policy=' 'signers=' 'note=' 'json' 'version' 'h/help'
            case 'approve'
                __writ_parse_subcommand 1 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'as=' 'key=' 'push' 'next-key=' 'branch=' 'note=' 'json' 'version' 'h/help'
            case 'status'
                __writ_parse_subcommand 0 'repo=' 'governance-ref=' 'ledger-ref=' 'remote=' 'config=' 'trust=' 'branch=' 'json' 'version' 'h/help'
            end
        case 'classify'
            __writ_parse_subcommand 1 'policy=' 'blast-radius=' 'json' 'version' 'h/help'
        case 'reasons'
            __writ_parse_subcommand 0 'json' 'version' 'h/help'
        case 'sig'
            __writ_parse_subcommand 0 'version' 'h/help'
            switch $unparsed_tokens[1]
            case 'verify'
                __writ_parse_subcommand 1 'signers=' 'principal=' 'namespace=' 'signature=' 'verify-time=' 'json' 'version' 'h/help'
            case 'sign'
                __writ_parse_subcommand 1 'key=' 'namespace=' 'version' 'h/help'
            end
        case 'demo'
            __writ_parse_subcommand 0 'dir=' 'version' 'h/help'
        case 'help'
            __writ_parse_subcommand -r 1 'version'
        end
    end
end

function __writ_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __writ_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __writ_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __writ_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__writ_tokens -p)
    if test -z "$(__writ_tokens -t)"
        set -l index (count (__writ_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'writ' -f
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'init' -d 'Create an ops repo with a governance branch and an empty ledger branch.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'propose' -d 'Propose an intent: a signed file appended to the ledger branch.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'approve' -d 'Sign an approval (or, with --deny, a denial) of an intent onto its approval branch.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'status' -d 'Show every intent with its tier, state and the one reason it may not run.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'show' -d 'Show one intent: what an approver signs, who approved it, what ran, and the next step.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'log' -d 'List every ledger event, newest first, with its commit, verified signers and whether it counts.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'verify' -d 'Replay the whole ledger and governance history and prove it was honest.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'report' -d 'Write a self-contained HTML audit report: every intent\'s timeline, governance changes, findings.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'dispatch' -d 'Poll the ops repo and execute exactly the intents that may run, at most once.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'resolve' -d 'Settle an intent left in doubt: record a signed resolution on the ledger.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'gate' -d 'Attest a gate result for an intent\'s current digest: a signed ledger event.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'check-pr' -d 'Judge a pull request against the governance branch (reads objects only; never runs PR code).'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'hook' -d 'Git server hooks for a self-hosted ops repository (plain sshd, gitolite).'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'validate' -d 'Check a record file (policy, intent, approval, governance record or request, audit event) or lint an allowed_signers file.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'governance' -d 'Propose, approve and follow changes to policy.toml and allowed_signers.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'classify' -d 'Print the tier (blast radius) policy gives a kind; unlisted kinds are high.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'reasons' -d 'List the closed vocabulary of reason codes.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'sig' -d 'Offline equivalents of ssh-keygen -Y verify and -Y sign.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'demo' -d 'A tour of writ in a throwaway ops repo: propose, approve, and what stays blocked.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ" -eq 1' -fa 'help' -d 'Show subcommand help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" bare' -l 'bare' -d 'Create a bare repository.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" governance-ref' -l 'governance-ref' -d 'The governance branch.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" ledger-ref' -l 'ledger-ref' -d 'The ledger branch.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" policy' -l 'policy' -d 'The policy.toml to start from; its [roles] must name the admins who can change governance.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" signers' -l 'signers' -d 'The allowed_signers file to start from, listing the keys of those admins.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" json' -l 'json' -d 'Print JSON: {"trust_root", "ledger_root", "repo"}.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ init" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" as' -l 'as' -d 'The principal to act as, as listed in allowed_signers (default: principal in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" key' -l 'key' -d 'The principal\'s OpenSSH private key file (default: key in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" push' -l 'push' -d 'Push the branch after appending: compare-and-swap, and on a lost race fetch and append again on the new tip; never forced.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" trust' -l 'trust' -d 'The pinned governance commit (trust_root) the record is checked under before it is written: a commit id or 7 or more of its leading hex digits (default: trust_root in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" force' -l 'force' -d 'Write the record even when the check says it would not count (a warning names the reason).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" kind' -l 'kind' -d 'The kind of action, e.g. triage or release.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" target' -l 'target' -d 'The target repository, e.g. github.com/org/app.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" branch' -l 'branch' -d 'The target branch.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose"' -l 'param' -d 'A parameter as name=value (repeatable).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" id' -l 'id' -d 'The intent id (generated when omitted).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" summary' -l 'summary' -d 'One line for humans.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" blast-radius' -l 'blast-radius' -d 'Raise the tier: low, medium or high (never lowers policy\'s tier).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose"' -l 'requires' -d 'A gate that must PASS first (repeatable).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" expires' -l 'expires' -d 'Expiry: an RFC 3339 time or a duration such as 24h or 7d.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" idempotency-key' -l 'idempotency-key' -d 'The idempotency key handed to the executor (default: the id).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" json' -l 'json' -d 'Print JSON.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ propose" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ approve" -eq 1' -fka '(__writ_custom_completion ---completion approve -- positional@0 (count (__writ_tokens -pc)) (__writ_tokens -tC))'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" as' -l 'as' -d 'The principal to act as, as listed in allowed_signers (default: principal in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" key' -l 'key' -d 'The principal\'s OpenSSH private key file (default: key in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" push' -l 'push' -d 'Push the branch after appending: compare-and-swap, and on a lost race fetch and append again on the new tip; never forced.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" trust' -l 'trust' -d 'The pinned governance commit (trust_root) the record is checked under before it is written: a commit id or 7 or more of its leading hex digits (default: trust_root in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" force' -l 'force' -d 'Write the record even when the check says it would not count (a warning names the reason).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" deny' -l 'deny' -d 'Record a denial instead of an approval.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" expires' -l 'expires' -d 'Expiry: an RFC 3339 time or a duration such as 24h or 7d.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" note' -l 'note' -d 'A note for humans (decides nothing).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" branch' -l 'branch' -d 'The branch to commit to (default approval/<id>).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" merge' -l 'merge' -d 'Carry your record (and the request) from the branch into the governance branch.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" json' -l 'json' -d 'Print JSON.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ approve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" json' -l 'json' -d 'Print JSON Lines: a header object, then one object per intent (docs/json.md).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" fetch' -l 'fetch' -d 'Fetch the governance and ledger branches from the remote first (over its [remote] settings), and the approval branches of the intents still open.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" waiting-for' -l 'waiting-for' -d 'List only the intents this principal (or [members] forge login) could approve now and has not signed.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ show" -eq 1' -fka '(__writ_custom_completion ---completion show -- positional@0 (count (__writ_tokens -pc)) (__writ_tokens -tC))'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" json' -l 'json' -d 'Print JSON: one line (docs/json.md).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ show" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" json' -l 'json' -d 'Print JSON Lines: one object per event, newest first (docs/json.md).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" all' -l 'all' -d 'Add proposals, approval records (with the merge that brought each in) and governance adoptions.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ log" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" json' -l 'json' -d 'Print JSON Lines: one object per finding, then a summary (docs/json.md).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" html' -l 'html' -d 'The file to write the report to (replaced atomically).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" since' -l 'since' -d 'Show only the intents proposed at or after WHEN: an RFC 3339 time, or a duration before now (7d, 24h).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" json' -l 'json' -d 'Print JSON: one line saying what was written (docs/json.md).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ report" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" config' -l 'config' -d 'The dispatcher.toml host config.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" once' -l 'once' -d 'Poll once and exit.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" interval' -l 'interval' -d 'Poll every D (e.g. 30s, 5m) until stopped.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" dry-run' -l 'dry-run' -d 'Decide and report; claim nothing, run nothing and write nothing to the ops repo (the state dir still caches what was read).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" forget-view' -l 'forget-view' -d 'After a real rewrite: forget the remembered view (tips, ledger cursor, per-intent records) so the next poll reads the history again from the trust root; keeps the at-most-once journal.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" json' -l 'json' -d 'Print the run report as JSON.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" log-level' -l 'log-level' -d 'Log what the poll does to standard error at this level and above: trace, debug, info, notice, warning, error, critical.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ dispatch" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ resolve" -eq 1' -fka '(__writ_custom_completion ---completion resolve -- positional@0 (count (__writ_tokens -pc)) (__writ_tokens -tC))'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" as' -l 'as' -d 'The principal to act as, as listed in allowed_signers (default: principal in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" key' -l 'key' -d 'The principal\'s OpenSSH private key file (default: key in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" push' -l 'push' -d 'Push the branch after appending: compare-and-swap, and on a lost race fetch and append again on the new tip; never forced.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" trust' -l 'trust' -d 'The pinned governance commit (trust_root) the record is checked under before it is written: a commit id or 7 or more of its leading hex digits (default: trust_root in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" force' -l 'force' -d 'Write the record even when the check says it would not count (a warning names the reason).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" succeeded' -l 'succeeded' -d 'What happened.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" failed' -l 'failed' -d 'What happened.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" retry' -l 'retry' -d 'What happened.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" note' -l 'note' -d 'Why (for humans).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ resolve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ gate" -eq 1' -fka '(__writ_custom_completion ---completion gate -- positional@0 (count (__writ_tokens -pc)) (__writ_tokens -tC))'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" as' -l 'as' -d 'The principal to act as, as listed in allowed_signers (default: principal in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" key' -l 'key' -d 'The principal\'s OpenSSH private key file (default: key in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" push' -l 'push' -d 'Push the branch after appending: compare-and-swap, and on a lost race fetch and append again on the new tip; never forced.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" trust' -l 'trust' -d 'The pinned governance commit (trust_root) the record is checked under before it is written: a commit id or 7 or more of its leading hex digits (default: trust_root in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" force' -l 'force' -d 'Write the record even when the check says it would not count (a warning names the reason).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" name' -l 'name' -d 'The gate name, as in the intent\'s requires.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" status' -l 'status' -d 'pass or fail.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ gate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" repo' -l 'repo' -d 'The repository (a clone or a bare repository).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" base' -l 'base' -d 'The pull request\'s base revision (default: from --event).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" head' -l 'head' -d 'The pull request\'s head revision (default: from --event).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" actor' -l 'actor' -d 'The forge login of the pull request\'s author (default: from --event).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" event' -l 'event' -d 'A pull_request or pull_request_target event payload (GitHub or Forgejo) to read them from.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" ledger-ref' -l 'ledger-ref' -d 'The ledger branch each request.toml is matched against (the local branch, or <remote>/<branch> when that is newer).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" remote' -l 'remote' -d 'The remote whose remote-tracking ledger branch stands in for a missing local one.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" json' -l 'json' -d 'Print one JSON line (docs/json.md).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ check-pr" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ hook" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ hook" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ hook" -eq 1' -fa 'pre-receive' -d 'Refuse pushes that rewrite the governance branch or break the ledger\'s append-only rule.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ hook pre-receive" repo' -l 'repo' -d 'The bare repository (default: $GIT_DIR, else the current directory, where git runs hooks).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ hook pre-receive" governance-ref' -l 'governance-ref' -d 'The governance branch (default: git config writ.governanceRef, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ hook pre-receive" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: git config writ.ledgerRef, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ hook pre-receive" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ hook pre-receive" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ validate" signers' -l 'signers' -d 'An allowed_signers file: also verify FILE.sig.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ validate" kind' -l 'kind' -d 'Treat the file as this kind: policy, intent, approval, governance, governance_request, request, audit_event, allowed_signers.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ validate" json' -l 'json' -d 'Print JSON: {"file", "kind", "valid", "reason", "detail", "signer", "next_signature"}; next_signature is null, "verified" or the reason code FILE.next.sig fails with; a valid policy adds "governance_version".'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ validate" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ validate" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ governance" -eq 1' -fa 'digest' -d 'Print the governance digest (SPEC §5) of two files, or of a revision\'s.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ governance" -eq 1' -fa 'propose' -d 'Put a new policy.toml and allowed_signers on a branch governance/<digest prefix>.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ governance" -eq 1' -fa 'approve' -d 'Sign a governance record approving DIGEST, on the branch holding the change.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ governance" -eq 1' -fa 'status' -d 'Show the trusted governance state and how far a pending change has got.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" policy' -l 'policy' -d 'A policy.toml file (with --signers).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" signers' -l 'signers' -d 'An allowed_signers file (with --policy).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" rev' -l 'rev' -d 'A revision of the ops repo: a branch, a full ref name or a full commit id.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" json' -l 'json' -d 'Print JSON: {"digest", "policy_digest", "allowed_signers_digest", "source"}.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance digest" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" as' -l 'as' -d 'The principal to act as, as listed in allowed_signers (default: principal in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" key' -l 'key' -d 'The principal\'s OpenSSH private key file (default: key in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" push' -l 'push' -d 'Push the branch after appending: compare-and-swap, and on a lost race fetch and append again on the new tip; never forced.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" policy' -l 'policy' -d 'The new policy.toml.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" signers' -l 'signers' -d 'The new allowed_signers.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" note' -l 'note' -d 'A note for reviewers (decides nothing).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" json' -l 'json' -d 'Print JSON.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance propose" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" as' -l 'as' -d 'The principal to act as, as listed in allowed_signers (default: principal in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" key' -l 'key' -d 'The principal\'s OpenSSH private key file (default: key in the operator config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" push' -l 'push' -d 'Push the branch after appending: compare-and-swap, and on a lost race fetch and append again on the new tip; never forced.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" next-key' -l 'next-key' -d 'Your new private key, when the change rotates your own key.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" branch' -l 'branch' -d 'The branch holding the change (default governance/<first 12 hex of DIGEST>).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" note' -l 'note' -d 'A note for humans (decides nothing).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" json' -l 'json' -d 'Print JSON.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance approve" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" repo' -l 'repo' -d 'The ops repo: a clone, bare or not (default: the current directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" governance-ref' -l 'governance-ref' -d 'The governance branch (default: governance_ref in the operator config, else main).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" ledger-ref' -l 'ledger-ref' -d 'The ledger branch (default: ledger_ref in the operator config, else writ/ledger).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" remote' -l 'remote' -d 'The remote to read and push branches through (default: remote in the operator config, else origin).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" config' -l 'config' -d 'The operator config (default: writ.toml in the ops repo\'s git directory).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" trust' -l 'trust' -d 'The pinned governance commit (trust_root) to evaluate trust from: a commit id, or 7 or more of its leading hex digits (default: trust_root in the config).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" branch' -l 'branch' -d 'A proposal branch to judge (default: the governance head, when pending).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" json' -l 'json' -d 'Print JSON.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ governance status" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ classify" policy' -l 'policy' -d 'The policy.toml to read.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ classify" blast-radius' -l 'blast-radius' -d 'An intent\'s blast_radius override (it may raise the tier, never lower it).' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ classify" json' -l 'json' -d 'Print JSON: {"kind", "tier", "listed"}.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ classify" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ classify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ reasons" json' -l 'json' -d 'Print JSON Lines: one {"code", "summary"} object per reason code (docs/json.md).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ reasons" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ reasons" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ sig" -eq 1' -fa 'verify' -d 'Verify an SSH signature over FILE, in process (like ssh-keygen -Y verify).'
complete -c 'writ' -n '__writ_should_offer_completions_for_positional "writ sig" -eq 1' -fa 'sign' -d 'Sign FILE with an OpenSSH private key, writing FILE.sig (like ssh-keygen -Y sign).'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" signers' -l 'signers' -d 'The allowed_signers file.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" principal' -l 'principal' -d 'The principal the signature must belong to.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" namespace' -l 'namespace' -d 'The namespace the signature must have been made for.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" signature' -l 'signature' -d 'The armored signature file.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" verify-time' -l 'verify-time' -d 'Check key validity windows at this time instead of now, as ssh-keygen\'s -O verify-time= does: YYYYMMDD[HHMM[SS]][Z].' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" json' -l 'json' -d 'Print JSON: {"valid", "reason", "detail", "principal", "key"}.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig verify" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig sign" key' -l 'key' -d 'The OpenSSH private key file, or a public key (.pub) whose private half is in ssh-agent.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig sign" namespace' -l 'namespace' -d 'The namespace, e.g. writ-approval.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig sign" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ sig sign" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ demo" dir' -l 'dir' -d 'Where to build the demo (default: a new temporary directory). Must not exist yet.' -rfka ''
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ demo" version' -l 'version' -d 'Show the version.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ demo" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'writ' -n '__writ_should_offer_completions_for_flags_or_options "writ help" version' -l 'version' -d 'Show the version.'
