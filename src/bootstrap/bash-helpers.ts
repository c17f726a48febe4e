// The helper functions a bash step sees: the names, arguments and messages of Calamari's
// Bootstrap.sh (contract section 3.4), written anew. Every helper is safe under
// `set -euo pipefail`: none ends on a failing test.

export const BASH_HELPERS = `
__tp_b64() { printf '%s' "\${1-}" | base64 -w0; }
encode_servicemessagevalue() { __tp_b64 "\${1-}"; }
decode_servicemessagevalue() { printf '%s' "\${1-}" | base64 -d; }

__tp_load_variables() {
  declare -gA "$1"
  local -n __tp_target="$1"
  local __tp_k __tp_v
  while IFS= read -r -d '' __tp_k && IFS= read -r -d '' __tp_v; do
    __tp_target["$__tp_k"]="$__tp_v"
  done < "$2"

}

get_octopusvariable() {
  local __tp_name="\${1-}"
  if [ -z "$__tp_name" ]; then echo; return 0; fi
  printf '%s\\n' "\${__tp_vars[$__tp_name]-}"
}

set_octopusvariable() {
  local __tp_msg="##octopus[setVariable name='$(__tp_b64 "\${1-}")' value='$(__tp_b64 "\${2-}")'"
  if [ "\${3-}" = "-sensitive" ]; then __tp_msg="$__tp_msg sensitive='VHJ1ZQ=='"; fi
  printf '%s]\\n' "$__tp_msg"
}

fail_step() {
  if [ -n "\${1-}" ]; then
    printf '%s\\n' "##octopus[resultMessage message='$(__tp_b64 "$1")']"
  fi
  exit 1
}

__tp_write_level() {
  printf '%s\\n' "##octopus[stdout-$1]"
  shift
  printf '%s\\n' "$*"
  printf '%s\\n' '##octopus[stdout-default]'
}
write_verbose() { __tp_write_level verbose "$@"; }
write_highlight() { __tp_write_level highlight "$@"; }
write_wait() { __tp_write_level wait "$@"; }
write_warning() { __tp_write_level warning "$@"; }

new_octopusartifact() {
  local __tp_path="\${1-}" __tp_name="\${2-}" __tp_full __tp_length
  echo "Collecting $__tp_path as an artifact..."
  if [ ! -e "$__tp_path" ]; then
    printf '%s\\n' "new_octopusartifact: there is no file at '$__tp_path'" >&2
    exit 127
  fi
  __tp_full="$(cd "$(dirname -- "$__tp_path")" && pwd -P)/$(basename -- "$__tp_path")"
  if [ -z "$__tp_name" ]; then __tp_name="$(basename -- "$__tp_path")"; fi
  __tp_length=$(wc -c < "$__tp_path" 2>/dev/null | tr -d ' ') || __tp_length=0
  printf '%s\\n' "##octopus[createArtifact path='$(__tp_b64 "$__tp_full")' name='$(__tp_b64 "$__tp_name")' length='$(__tp_b64 "$__tp_length")']"
  write_verbose "Artifact $__tp_name will be collected from $__tp_full after this step completes"
}

update_progress() {
  printf '%s\\n' "##octopus[progress percentage='$(__tp_b64 "\${1-}")' message='$(__tp_b64 "\${2-}")']"
}

set_environmentstate() {
  local __tp_msg="##octopus[set-environmentstate key='$(__tp_b64 "\${1-}")' value='$(__tp_b64 "\${2-}")'"
  local __tp_type="\${3-State}"
  if [ "\${3-}" = "-sensitive" ]; then
    __tp_msg="$__tp_msg sensitive='VHJ1ZQ=='"
    __tp_type="\${4-State}"
  fi
  printf '%s]\\n' "$__tp_msg type='$(__tp_b64 "$__tp_type")'"
}
set_environmenturl() { set_environmentstate "\${1-}" "\${2-}" Url; }

function remove-octopustarget {
  printf '%s\\n' "##octopus[delete-target machine='$(__tp_b64 "\${1-}")']"
}

new_octopustarget() (
  local name="" id="" inputs="" roles="" pool="" update=""
  while [ $# -gt 0 ]; do
    case "$1" in
      -n|--name) name="\${2-}"; shift 2 || shift ;;
      -t|--target-id) id="\${2-}"; shift 2 || shift ;;
      --inputs) inputs="\${2-}"; shift 2 || shift ;;
      --roles) roles="\${2-}"; shift 2 || shift ;;
      --worker-pool) pool="\${2-}"; shift 2 || shift ;;
      --update-if-existing) update="true"; shift ;;
      --) shift; break ;;
      *) shift ;;
    esac
  done
  local msg="##octopus[createStepPackageTarget name='$(__tp_b64 "$name")' targetId='$(__tp_b64 "$id")' inputs='$(__tp_b64 "$inputs")' octopusRoles='$(__tp_b64 "$roles")' octopusDefaultWorkerPoolIdOrName='$(__tp_b64 "$pool")'"
  if [ -n "$update" ]; then msg="$msg updateIfExisting='dHJ1ZQ=='"; fi
  printf '%s]\\n' "$msg"
)

report_kubernetes_manifest() {
  local __tp_doc="" __tp_line __tp_ns=""
  if [ -n "\${2-}" ]; then __tp_ns=" ns='$(__tp_b64 "$2")'"; fi
  while IFS= read -r __tp_line || [ -n "$__tp_line" ]; do
    # As Calamari's \`echo "$LINE" | xargs\`: a '---' line with spaces (or a CR) around it.
    if [[ "$__tp_line" =~ ^[[:space:]]*---[[:space:]]*$ ]]; then
      if [ -n "$(printf '%s' "$__tp_doc" | tr -d '[:space:]')" ]; then
        printf '%s\\n' "##octopus[k8s-manifest-applied manifest='$(__tp_b64 "$__tp_doc")'$__tp_ns]"
      fi
      __tp_doc=""
    else
      __tp_doc="$__tp_doc$__tp_line"$'\\n'
    fi
  done <<< "\${1-}"
  if [ -n "$(printf '%s' "$__tp_doc" | tr -d '[:space:]')" ]; then
    printf '%s\\n' "##octopus[k8s-manifest-applied manifest='$(__tp_b64 "$__tp_doc")'$__tp_ns]"
  fi
}
report_kubernetes_manifest_file() {
  if [ -f "\${1-}" ]; then
    report_kubernetes_manifest "$(cat -- "$1")" "\${2-}"
  else
    write_verbose "There is no file at '\${1-}'"
  fi
}
`;
