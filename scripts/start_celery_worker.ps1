# Start a Celery worker (or celery beat) for Intelli on Windows (PowerShell 5.1 or 7).
# Kept in step with scripts/start_celery_worker.sh: same options, same messages.
#
#   scripts\start_celery_worker.ps1 --queue charts_cpu      # one queue, with its profile
#   scripts\start_celery_worker.ps1 --all                   # one worker on all three queues (a laptop)
#   scripts\start_celery_worker.ps1 --beat                  # the periodic housekeeping scheduler
#   scripts\start_celery_worker.ps1 --queue ai -- --loglevel DEBUG   # extra arguments go to Celery
#
# The broker URL comes from the project's settings (.env or the environment), never from here.
# On Windows the worker runs the solo pool (prefork cannot fork there); the ai queue keeps its
# threads pool. Ctrl-C stops Celery, which shuts down warmly.
$ErrorActionPreference = "Stop"

function Show-Usage {
    @"
Usage: start_celery_worker.ps1 (--queue ingestion_io|charts_cpu|ai | --all | --beat) [--wait SECONDS] [--] [celery arguments...]
  --queue NAME    one worker on queue NAME with its concurrency, prefetch and time limits
  --all           one worker on all three queues (a laptop)
  --beat          celery beat: the periodic housekeeping (one per deployment)
  --wait SECONDS  how long to wait for the broker before giving up (default 60)
  --help          this text
Anything after the options (or after --) is passed to Celery unchanged.
Settings: DJANGO_SETTINGS_MODULE (default config.settings.dev) and .env beside manage.py.
"@
}

Set-Location (Join-Path $PSScriptRoot "..")
$mode = ""; $queue = ""; $waitS = "60"; $extra = @()
$i = 0
while ($i -lt $args.Count) {
    $arg = [string]$args[$i]
    switch -Regex ($arg) {
        '^--queue$' {
            if ($i + 1 -ge $args.Count) { [Console]::Error.WriteLine("--queue needs a name: ingestion_io, charts_cpu or ai"); exit 2 }
            $mode = "worker"; $queue = [string]$args[$i + 1]; $i += 2; continue
        }
        '^--queue=' { $mode = "worker"; $queue = $arg.Substring(8); $i += 1; continue }
        '^--all$' { $mode = "all"; $i += 1; continue }
        '^--beat$' { $mode = "beat"; $i += 1; continue }
        '^--wait$' {
            if ($i + 1 -ge $args.Count) { [Console]::Error.WriteLine("--wait needs a number of seconds"); exit 2 }
            $waitS = [string]$args[$i + 1]; $i += 2; continue
        }
        '^(-h|--help)$' { Show-Usage; exit 0 }
        '^--$' { if ($i + 1 -lt $args.Count) { $extra += $args[($i + 1)..($args.Count - 1)] }; $i = $args.Count; continue }
        default { $extra += $arg; $i += 1; continue }
    }
}

if ($queue -notin @("", "ingestion_io", "charts_cpu", "ai")) {
    [Console]::Error.WriteLine("Unknown queue '$queue': use ingestion_io, charts_cpu or ai."); exit 2
}
if (-not $mode) {
    [Console]::Error.WriteLine("Say which queue: --queue ingestion_io|charts_cpu|ai, or --all for one worker on all three.")
    [Console]::Error.WriteLine((Show-Usage))
    exit 2
}

$python = $env:PYTHON
if (-not $python) {
    if (Test-Path ".venv\Scripts\python.exe") { $python = ".venv\Scripts\python.exe" }
    elseif (Test-Path ".venv/bin/python") { $python = ".venv/bin/python" }
    else { $python = "python" }
}
if (-not $env:DJANGO_SETTINGS_MODULE) { $env:DJANGO_SETTINGS_MODULE = "config.settings.dev" }
$hostName = [System.Net.Dns]::GetHostName()

switch ($mode) {
    "worker" { $launchArgs = @("worker", "--queue", $queue); [Console]::Error.WriteLine("Starting a Celery worker for queue $queue (hostname $queue@$hostName)…") }
    "all" { $launchArgs = @("worker", "--all"); [Console]::Error.WriteLine("Starting one Celery worker for all queues (hostname all@$hostName)…") }
    "beat" { $launchArgs = @("beat"); [Console]::Error.WriteLine("Starting celery beat (housekeeping schedule)…") }
}

# Ask the project's settings for the broker, wait for it, and get the Celery command line.
$command = @(& $python -m apps.ops.launch @launchArgs --wait $waitS --python $python)
if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }

# Celery runs in this console: Ctrl-C reaches it and it shuts down warmly; its exit code is ours.
$exe = $command[0]
$rest = @()
if ($command.Count -gt 1) { $rest = $command[1..($command.Count - 1)] }
& $exe @rest @extra
exit $LASTEXITCODE
