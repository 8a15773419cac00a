#!/bin/bash

__writ_cursor_index_in_current_word() {
    local remaining="${COMP_LINE}"

    local word
    for word in "${COMP_WORDS[@]::COMP_CWORD}"; do
        remaining="${remaining##*([[:space:]])"${word}"*([[:space:]])}"
    done

    local -ir index="$((COMP_POINT - ${#COMP_LINE} + ${#remaining}))"
    if [[ "${index}" -le 0 ]]; then
        printf 0
    else
        printf %s "${index}"
    fi
}

# positional arguments:
#
# - 1: the current (sub)command's count of positional arguments
#
# required variables:
#
# - repeating_flags: the repeating flags that the current (sub)command can accept
# - non_repeating_flags: the non-repeating flags that the current (sub)command can accept
# - repeating_options: the repeating options that the current (sub)command can accept
# - non_repeating_options: the non-repeating options that the current (sub)command can accept
# - positional_number: value ignored
# - unparsed_words: unparsed words from the current command line
#
# modified variables:
#
# - non_repeating_flags: remove flags for this (sub)command that are already on the command line
# - non_repeating_options: remove options for this (sub)command that are already on the command line
# - positional_number: set to the current positional number
# - unparsed_words: remove all flags, options, and option values for this (sub)command
__writ_offer_flags_options() {
    local -ir positional_count="${1}"
    positional_number=0

    local was_flag_option_terminator_seen=false
    local is_parsing_option_value=false

    local -ar unparsed_word_indices=("${!unparsed_words[@]}")
    local -i word_index
    for word_index in "${unparsed_word_indices[@]}"; do
        if "${is_parsing_option_value}"; then
            # This word is an option value:
            # Reset marker for next word iff not currently the last word
            [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]] && is_parsing_option_value=false
            unset "unparsed_words[${word_index}]"
            # Do not process this word as a flag or an option
            continue
        fi

        local word="${unparsed_words["${word_index}"]}"
        if ! "${was_flag_option_terminator_seen}"; then
            case "${word}" in
            --)
                unset "unparsed_words[${word_index}]"
                # by itself -- is a flag/option terminator, but if it is the last word, it is the start of a completion
                if [[ "${word_index}" -ne "${unparsed_word_indices[${#unparsed_word_indices[@]} - 1]}" ]]; then
                    was_flag_option_terminator_seen=true
                fi
                continue
                ;;
            -*)
                # ${word} is a flag or an option
                # If ${word} is an option, mark that the next word to be parsed is an option value
                local option
                for option in "${repeating_options[@]}" "${non_repeating_options[@]}"; do
                    [[ "${word}" = "${option}" ]] && is_parsing_option_value=true && break
                done

                # Remove ${word} from ${non_repeating_flags} or ${non_repeating_options} so it isn't offered again
                local not_found=true
                local -i index
                for index in "${!non_repeating_flags[@]}"; do
                    if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                        unset "non_repeating_flags[${index}]"
                        non_repeating_flags=("${non_repeating_flags[@]}")
                        not_found=false
                        break
                    fi
                done
                if "${not_found}"; then
                    for index in "${!non_repeating_flags[@]}"; do
                        if [[ "${non_repeating_flags[${index}]}" = "${word}" ]]; then
                            unset "non_repeating_flags[${index}]"
                            non_repeating_flags=("${non_repeating_flags[@]}")
                            break
                        fi
                    done
                fi
                unset "unparsed_words[${word_index}]"
                continue
                ;;
            esac
        fi

        # ${word} is neither a flag, nor an option, nor an option value
        if [[ "${positional_number}" -lt "${positional_count}" || "${positional_count}" -lt 0 ]]; then
            # ${word} is a positional
            ((positional_number++))
            unset "unparsed_words[${word_index}]"
        else
            if [[ -z "${word}" ]]; then
                # Could be completing a flag, option, or subcommand
                positional_number=-1
            else
                # ${word} is a subcommand or invalid, so stop processing this (sub)command
                positional_number=-2
            fi
            break
        fi
    done

    unparsed_words=("${unparsed_words[@]}")

    if\
        ! "${was_flag_option_terminator_seen}"\
        && ! "${is_parsing_option_value}"\
        && [[ ("${cur}" = -* && "${positional_number}" -ge 0) || "${positional_number}" -eq -1 ]]
    then
        COMPREPLY+=($(compgen -W "${repeating_flags[*]} ${non_repeating_flags[*]} ${repeating_options[*]} ${non_repeating_options[*]}" -- "${cur}"))
    fi
}

__writ_add_completions() {
    local completion
    while IFS='' read -r completion; do
        COMPREPLY+=("${completion}")
    done < <(IFS=$'\n' compgen "${@}" -- "${cur}")
}

__writ_custom_complete() {
    if [[ -n "${cur}" || -z ${COMP_WORDS[${COMP_CWORD}]} || "${COMP_LINE:${COMP_POINT}:1}" != ' ' ]]; then
        local -ar words=("${COMP_WORDS[@]}")
    else
        local -ar words=("${COMP_WORDS[@]::${COMP_CWORD}}" '' "${COMP_WORDS[@]:${COMP_CWORD}}")
    fi

    "${COMP_WORDS[0]}" "${@}" "${words[@]}"
}

_writ() {
    local state
    state="$(shopt -p;shopt -po)"
    trap "${state//$'\n'/;}" RETURN
    shopt -s extglob
    set +o history +o posix

    local -xr SAP_SHELL=bash
    local -x SAP_SHELL_VERSION
    SAP_SHELL_VERSION="$(IFS='.';printf %s "${BASH_VERSINFO[*]}")"
    local -r SAP_SHELL_VERSION

    local -r cur="${2}"
    local -r prev="${3}"

    local -i positional_number
    local -a unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")

    local -a repeating_flags=()
    local -a non_repeating_flags=(--version -h --help)
    local -a repeating_options=()
    local -a non_repeating_options=()
    __writ_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    init|propose|approve|status|show|log|verify|report|dispatch|resolve|withdraw|gate|check-pr|hook|validate|governance|classify|reasons|sig|demo|mcp|help)
        # Offer subcommand argument completions
        "_writ_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'init propose approve status show log verify report dispatch resolve withdraw gate check-pr hook validate governance classify reasons sig demo mcp help' -- "${cur}"))
        ;;
    esac
}

_writ_init() {
    repeating_flags=()
    non_repeating_flags=(--bare --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--governance-ref --ledger-ref --policy --signers)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--policy')
        return
        ;;
    '--signers')
        return
        ;;
    esac
}

_writ_propose() {
    repeating_flags=()
    non_repeating_flags=(--push --force --json --version -h --help)
    repeating_options=(--param --requires)
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --as --key --trust --kind --target --branch --id --summary --blast-radius --expires --idempotency-key)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--trust')
        return
        ;;
    '--kind')
        return
        ;;
    '--target')
        return
        ;;
    '--branch')
        return
        ;;
    '--param')
        return
        ;;
    '--id')
        return
        ;;
    '--summary')
        return
        ;;
    '--blast-radius')
        return
        ;;
    '--requires')
        return
        ;;
    '--expires')
        return
        ;;
    '--idempotency-key')
        return
        ;;
    esac
}

_writ_approve() {
    repeating_flags=()
    non_repeating_flags=(--push --force --deny --break-glass --ratify --reject --merge --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --as --key --trust --expires --note --branch)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--trust')
        return
        ;;
    '--expires')
        return
        ;;
    '--note')
        return
        ;;
    '--branch')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __writ_add_completions -W "$(__writ_custom_complete ---completion approve -- positional@0 "${COMP_CWORD}" "$(__writ_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_writ_status() {
    repeating_flags=()
    non_repeating_flags=(--json --fetch --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --trust --waiting-for)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    '--waiting-for')
        return
        ;;
    esac
}

_writ_show() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --trust)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __writ_add_completions -W "$(__writ_custom_complete ---completion show -- positional@0 "${COMP_CWORD}" "$(__writ_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_writ_log() {
    repeating_flags=()
    non_repeating_flags=(--json --all --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --trust)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    esac
}

_writ_verify() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --trust)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    esac
}

_writ_report() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--html --since --repo --governance-ref --ledger-ref --remote --config --trust)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--html')
        return
        ;;
    '--since')
        return
        ;;
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    esac
}

_writ_dispatch() {
    repeating_flags=()
    non_repeating_flags=(--once --dry-run --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--config --interval --forget-view --log-level)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--config')
        return
        ;;
    '--interval')
        return
        ;;
    '--forget-view')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_writ_resolve() {
    repeating_flags=()
    non_repeating_flags=(--push --force --succeeded --failed --retry --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --as --key --trust --note)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--trust')
        return
        ;;
    '--note')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __writ_add_completions -W "$(__writ_custom_complete ---completion resolve -- positional@0 "${COMP_CWORD}" "$(__writ_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_writ_withdraw() {
    repeating_flags=()
    non_repeating_flags=(--push --force --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --as --key --trust --note)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--trust')
        return
        ;;
    '--note')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __writ_add_completions -W "$(__writ_custom_complete ---completion withdraw -- positional@0 "${COMP_CWORD}" "$(__writ_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_writ_gate() {
    repeating_flags=()
    non_repeating_flags=(--push --force --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --as --key --trust --name --status)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--trust')
        return
        ;;
    '--name')
        return
        ;;
    '--status')
        return
        ;;
    esac

    # Offer positional completions
    case "${positional_number}" in
    1)
        __writ_add_completions -W "$(__writ_custom_complete ---completion gate -- positional@0 "${COMP_CWORD}" "$(__writ_cursor_index_in_current_word)")"
        return
        ;;
    esac
}

_writ_check-pr() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=(--actor)
    non_repeating_options=(--repo --base --head --event --commits --governance-ref --ledger-ref --remote)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--base')
        return
        ;;
    '--head')
        return
        ;;
    '--actor')
        return
        ;;
    '--event')
        return
        ;;
    '--commits')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    esac
}

_writ_hook() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __writ_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    pre-receive)
        # Offer subcommand argument completions
        "_writ_hook_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'pre-receive' -- "${cur}"))
        ;;
    esac
}

_writ_hook_pre-receive() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    esac
}

_writ_validate() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--signers --kind)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--signers')
        return
        ;;
    '--kind')
        return
        ;;
    esac
}

_writ_governance() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __writ_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    digest|propose|approve|status)
        # Offer subcommand argument completions
        "_writ_governance_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'digest propose approve status' -- "${cur}"))
        ;;
    esac
}

_writ_governance_digest() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --policy --signers --rev)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--policy')
        return
        ;;
    '--signers')
        return
        ;;
    '--rev')
        return
        ;;
    esac
}

_writ_governance_propose() {
    repeating_flags=()
    non_repeating_flags=(--push --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --trust --as --key --policy --signers --note)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--policy')
        return
        ;;
    '--signers')
        return
        ;;
    '--note')
        return
        ;;
    esac
}

_writ_governance_approve() {
    repeating_flags=()
    non_repeating_flags=(--push --json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --trust --as --key --next-key --branch --note)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--next-key')
        return
        ;;
    '--branch')
        return
        ;;
    '--note')
        return
        ;;
    esac
}

_writ_governance_status() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --trust --branch)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--trust')
        return
        ;;
    '--branch')
        return
        ;;
    esac
}

_writ_classify() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--policy --blast-radius)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--policy')
        return
        ;;
    '--blast-radius')
        return
        ;;
    esac
}

_writ_reasons() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=()
    __writ_offer_flags_options 0
}

_writ_sig() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=()
    __writ_offer_flags_options 0

    # Offer subcommand / subcommand argument completions
    local -r subcommand="${unparsed_words[0]}"
    unset 'unparsed_words[0]'
    unparsed_words=("${unparsed_words[@]}")
    case "${subcommand}" in
    verify|sign)
        # Offer subcommand argument completions
        "_writ_sig_${subcommand}"
        ;;
    *)
        # Offer subcommand completions
        COMPREPLY+=($(compgen -W 'verify sign' -- "${cur}"))
        ;;
    esac
}

_writ_sig_verify() {
    repeating_flags=()
    non_repeating_flags=(--json --version -h --help)
    repeating_options=()
    non_repeating_options=(--signers --principal --namespace --signature --verify-time)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--signers')
        return
        ;;
    '--principal')
        return
        ;;
    '--namespace')
        return
        ;;
    '--signature')
        return
        ;;
    '--verify-time')
        return
        ;;
    esac
}

_writ_sig_sign() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--key --namespace)
    __writ_offer_flags_options 1

    # Offer option value completions
    case "${prev}" in
    '--key')
        return
        ;;
    '--namespace')
        return
        ;;
    esac
}

_writ_demo() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--dir)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--dir')
        return
        ;;
    esac
}

_writ_mcp() {
    repeating_flags=()
    non_repeating_flags=(--version -h --help)
    repeating_options=()
    non_repeating_options=(--repo --governance-ref --ledger-ref --remote --config --as --key --trust --log-level)
    __writ_offer_flags_options 0

    # Offer option value completions
    case "${prev}" in
    '--repo')
        return
        ;;
    '--governance-ref')
        return
        ;;
    '--ledger-ref')
        return
        ;;
    '--remote')
        return
        ;;
    '--config')
        return
        ;;
    '--as')
        return
        ;;
    '--key')
        return
        ;;
    '--trust')
        return
        ;;
    '--log-level')
        return
        ;;
    esac
}

_writ_help() {
    repeating_flags=()
    non_repeating_flags=(--version)
    repeating_options=()
    non_repeating_options=()
    __writ_offer_flags_options -1
}

complete -o filenames -F _writ writ
