# Artifacts are collected after the script ends, with their size and SHA-256.
mkdir -p reports
for env in #{each e in Environments}#{e} #{/each}; do
  echo "$env: healthy" >> reports/health.txt
done
printf '{"checked": %s}\n' "$(wc -l < reports/health.txt)" > reports/summary.json
new_octopusartifact reports/health.txt
new_octopusartifact reports/summary.json "health-summary.json"
write_warning "One artifact is announced but never written:"
echo "##octopus[createArtifact path='$(printf later.txt | base64 -w0)' name='$(printf later.txt | base64 -w0)' length='MA==']"
