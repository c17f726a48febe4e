# A PowerShell step: the same helpers Octopus gives scripts, on pwsh 7.
$release = $OctopusParameters["Release.Number"]
Write-Host "Releasing $release to #{Octopus.Environment.Name}"
Write-Verbose "Verbose is always logged, as in Octopus"
Update-Progress 50 "Rendering the release notes"
"# Release $release`n`n- $($OctopusParameters['Release.Notes'])" | Set-Content -Path notes.md
New-OctopusArtifact -Path notes.md -Name "release-notes-$release.md"
Set-OctopusVariable -name "ReleaseTag" -value "v$release"
Set-OctopusVariable -name "DeployToken" -value $OctopusParameters["Deploy.Token"] -sensitive
Write-Host "Token in use: $($OctopusParameters['Deploy.Token'])"
Write-Highlight "Release $release is ready"
