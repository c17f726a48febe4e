# Output variables for later steps; the sensitive one is masked in every log line.
api_key=$(get_octopusvariable "Api.Key")
echo "Calling the API with key $api_key"
set_octopusvariable "ReleaseUrl" "https://#{Host}/releases/#{Release}"
token="tok-$RANDOM$RANDOM-7f3a"
set_octopusvariable "SessionToken" "$token" -sensitive
echo "Session token issued: $token"
write_verbose "Verbose lines are kept, dimmed on a terminal"
