// The helper functions a PowerShell step sees: the names, parameters, pipeline binding and
// messages of Calamari's Bootstrap.ps1 (contract section 2.5), written anew. The text is
// static (nothing of a step is in it) and avoids PowerShell's backtick escape and `${`, so it
// sits in a template literal unchanged.

export const POWERSHELL_HELPERS = `
function Convert-ServiceMessageValue([string]$value) {
  if ($null -eq $value) { $value = '' }
  return [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($value))
}

function Convert-ToServiceMessageParameter([string]$name, [string]$value) {
  return "$name='$(Convert-ServiceMessageValue $value)'"
}

function Write-Verbose {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipeline = $true)][AllowNull()][AllowEmptyString()][string]$Message)
  begin { Write-Host '##octopus[stdout-verbose]' }
  process { Write-Host $Message }
  end { Write-Host '##octopus[stdout-default]' }
}

function Write-Debug {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipeline = $true)][AllowNull()][AllowEmptyString()][string]$Message)
  process { Write-Verbose $Message }
}

function Write-Highlight {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipeline = $true)][AllowNull()][AllowEmptyString()][string]$Message)
  begin { Write-Host '##octopus[stdout-highlight]' }
  process { Write-Host $Message }
  end { Write-Host '##octopus[stdout-default]' }
}

function Write-Wait {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipeline = $true)][AllowNull()][AllowEmptyString()][string]$Message)
  begin { Write-Host '##octopus[stdout-wait]' }
  process { Write-Host $Message }
  end { Write-Host '##octopus[stdout-default]' }
}

function Write-Warning {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipeline = $true)][AllowNull()][AllowEmptyString()][string]$Message)
  begin { Write-Host '##octopus[stdout-warning]' }
  process {
    if ('SilentlyContinue', 'Ignore' -notcontains [string]$WarningPreference) { Write-Host $Message }
  }
  end { Write-Host '##octopus[stdout-default]' }
}

function Set-OctopusVariable([string]$name, [string]$value, [switch]$sensitive) {
  $message = "##octopus[setVariable name='$(Convert-ServiceMessageValue $name)' value='$(Convert-ServiceMessageValue $value)'"
  if ($sensitive) { $message += " sensitive='$(Convert-ServiceMessageValue 'True')'" }
  Write-Host "$message]"
}

function Fail-Step([string]$message) {
  if ($message) { Write-Host "##octopus[resultMessage message='$(Convert-ServiceMessageValue $message)']" }
  exit -1
}

function New-OctopusArtifact {
  [CmdletBinding()]
  param(
    [Parameter(Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true)]
    [Alias('Path', 'FullName')]
    [string]$fullpath,
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = $true)]
    [string]$name
  )
  process {
    $resolved = [IO.Path]::GetFullPath($ExecutionContext.SessionState.Path.GetUnresolvedProviderPathFromPSPath($fullpath))
    $length = 0
    if ([IO.File]::Exists($resolved)) {
      $length = ([IO.FileInfo]$resolved).Length
    } else {
      Write-Verbose "There is no file at '$fullpath' right now. Writing the service message just in case the file is available when the artifacts are collected at a later point in time."
    }
    if (-not $name) { $name = [IO.Path]::GetFileName($fullpath) }
    Write-Verbose "Artifact $name will be collected from $resolved after this step completes"
    Write-Host "##octopus[createArtifact path='$(Convert-ServiceMessageValue $resolved)' name='$(Convert-ServiceMessageValue $name)' length='$(Convert-ServiceMessageValue ([string]$length))']"
  }
}

function Update-Progress {
  [CmdletBinding()]
  param(
    [Parameter(Position = 0)][int]$percentage,
    [Parameter(Position = 1, ValueFromPipeline = $true)][AllowNull()][AllowEmptyString()][string]$message
  )
  process {
    Write-Host "##octopus[progress percentage='$(Convert-ServiceMessageValue ([string]$percentage))' message='$(Convert-ServiceMessageValue $message)']"
  }
}

function Set-EnvironmentState([string]$key, [string]$value, [switch]$sensitive, [string]$type = 'State') {
  $message = "##octopus[set-environmentstate key='$(Convert-ServiceMessageValue $key)' value='$(Convert-ServiceMessageValue $value)'"
  if ($sensitive) { $message += " sensitive='$(Convert-ServiceMessageValue 'True')'" }
  Write-Host "$message type='$(Convert-ServiceMessageValue $type)']"
}

function Set-EnvironmentUrl([string]$key, [string]$url) {
  Set-EnvironmentState -key $key -value $url -type 'Url'
}

function Remove-OctopusTarget([string]$targetIdOrName) {
  Write-Host "##octopus[delete-target $(Convert-ToServiceMessageParameter 'machine' $targetIdOrName)]"
}

function New-OctopusTarget {
  [CmdletBinding()]
  param(
    [Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)][string]$Name,
    [Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)][string]$TargetId,
    [Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)][string]$Inputs,
    [Parameter(Mandatory = $true, ValueFromPipelineByPropertyName = $true)][string]$Roles,
    [Parameter(ValueFromPipelineByPropertyName = $true)][string]$WorkerPoolIdOrName = '',
    [Parameter(ValueFromPipelineByPropertyName = $true)][switch]$UpdateIfExisting
  )
  process {
    $parts = @(
      (Convert-ToServiceMessageParameter 'name' $Name),
      (Convert-ToServiceMessageParameter 'targetId' $TargetId),
      (Convert-ToServiceMessageParameter 'inputs' $Inputs),
      (Convert-ToServiceMessageParameter 'octopusRoles' $Roles),
      (Convert-ToServiceMessageParameter 'octopusDefaultWorkerPoolIdOrName' $WorkerPoolIdOrName),
      (Convert-ToServiceMessageParameter 'updateIfExisting' ([string][bool]$UpdateIfExisting))
    )
    Write-Host "##octopus[createStepPackageTarget $($parts -join ' ')]"
  }
}

function Report-KubernetesManifest {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipeline = $true)][string]$manifest, [Parameter(Position = 1)][string]$namespace)
  process {
    # Calamari's own pattern: '---', the whitespace after it (a line break among it, LF or
    # CRLF), then at most one more CR, LF or '|' (its character class holds '|').
    foreach ($document in ($manifest -split "---\\s*[\\r|\\n|\\r\\n]?")) {
      if ([string]::IsNullOrWhiteSpace($document)) { continue }
      $message = "##octopus[k8s-manifest-applied manifest='$(Convert-ServiceMessageValue $document)'"
      if (-not [string]::IsNullOrWhiteSpace($namespace)) { $message += " ns='$(Convert-ServiceMessageValue $namespace)'" }
      Write-Host "$message]"
    }
  }
}

function Report-KubernetesManifestFile {
  [CmdletBinding()]
  param([Parameter(Position = 0, ValueFromPipeline = $true)][string]$path, [Parameter(Position = 1)][string]$namespace)
  process {
    if (-not (Test-Path -LiteralPath $path)) {
      Write-Verbose "No Kubernetes manifest file was found at '$path'."
      return
    }
    Report-KubernetesManifest -manifest (Get-Content -LiteralPath $path -Raw) -namespace $namespace
  }
}

function Execute-WithRetry([ScriptBlock]$command, [int]$maxFailures = 3, [int]$sleepBetweenFailures = 1) {
  $attempt = 0
  while ($true) {
    $attempt++
    try {
      & $command
      return
    } catch {
      if ($attempt -ge $maxFailures) { throw }
      Write-Host "Attempt $attempt of $maxFailures failed: $($_.Exception.Message)"
      Write-Host "Waiting for $sleepBetweenFailures seconds before retrying..."
      Start-Sleep -Seconds $sleepBetweenFailures
      Write-Host 'Retrying...'
    }
  }
}

function ConvertTo-QuotedString([string]$arg) {
  return '"' + $arg + '"'
}

function ConvertTo-ConsoleEscapedArgument([string]$arg) {
  # Double the backslashes before each quote and at the end, then escape each quote.
  $arg = [regex]::Replace($arg, '(\\\\+)"', '$1$1"')
  $arg = $arg.Replace('"', '\\"')
  $arg = [regex]::Replace($arg, '(\\\\+)$', '$1$1')
  return $arg
}

function ConvertTo-PowershellEscapedArgument([string]$arg) {
  $tick = [string][char]96
  $arg = $arg.Replace($tick, $tick + $tick)
  $arg = $arg.Replace('[', $tick + '[')
  $arg = $arg.Replace('$', $tick + '$')
  return $arg
}

function Import-ScriptModule([string]$moduleName, [string]$moduleFilePath) {
  try {
    Write-Verbose "Importing Script Module '$moduleName' from '$moduleFilePath'"
    Import-Module -Name $moduleFilePath -DisableNameChecking -Global
  } catch {
    [Console]::Error.WriteLine("Failed to import Script Module '$moduleName' from '$moduleFilePath'")
    Write-TidepoolErrorRecord $_
    exit 1
  } finally {
    Remove-Item -LiteralPath $moduleFilePath -Force -ErrorAction SilentlyContinue
  }
}

function Write-TidepoolErrorRecord($record) {
  [Console]::Error.WriteLine("$($record.CategoryInfo.Category): $($record.Exception.Message)")
  if ($record.InvocationInfo) { [Console]::Error.WriteLine($record.InvocationInfo.PositionMessage) }
  if ($record.ScriptStackTrace) { [Console]::Error.WriteLine($record.ScriptStackTrace) }
  if ($null -ne $record.ErrorDetails) { [Console]::Error.WriteLine($record.ErrorDetails.Message) }
}
`;
