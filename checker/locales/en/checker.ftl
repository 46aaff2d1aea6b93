# The checker's words, in English (every message's fallback).
# zh-CN/checker.ftl has the same ids in the same order, and also the
# `cli-*` help texts (in English those are the doc comments in src/cli.rs).
# A value is plain text; `{ $name }` is a value the checker fills in.

## Statuses

status-done = done
status-in-progress = in progress
status-not-started = not started
status-does-not-compile = does not compile
status-timed-out = timed out
status-flagged = flagged
step-pass = pass
step-fail = fail
step-error = error
step-not-run = not run
verb-pass = passes
verb-fail = fails:
verb-error = did not finish:
verb-not-run = was not run:

## The progress table, the summary and "Next:"

col-lesson = Lesson
col-steps = Steps
col-points = Points
col-status = Status
summary = { $passed }/{ $total } steps, { $done }/{ $lessons } lessons, { $points }/{ $max } points
label-next = Next:
label-hint = Hint:
label-hint-n = Hint { $level }/{ $levels }:
label-hint-for = Hint ({ $step }):
label-read = Read:
label-more = More:
label-chapter = Chapter:
label-output = output:
next-all-done = nothing: all { $count } { $count ->
        [one] lesson is
       *[other] lessons are
    } done. Well done!
next-lesson = { $id }, { $title } ({ $status })
next-fix-compile = Fix it, then see every error with: cargo test -p { $package }
more-commands = cargo checker { $id }   (or: cargo test -p { $package })
clip-more = ... ({ $count } more lines)

## One lesson in detail, and hints

detail-head = ({ $status }: { $passed }/{ $total } steps, { $points }/{ $max } points)
detail-fix-compile = fix the first error above, then run: cargo test -p { $package }
hint-not-compiling = { $id } does not compile yet: { $error }
hint-fix-compile = fix the first error, then run: cargo test -p { $package }
hint-again = (run `cargo checker hint` again for the next hint)
hint-all-pass = { $id }: every step passes. Well done!
points-in-brackets = ({ $count ->
        [one] { $count } point
       *[other] { $count } points
    })

## Why a step did not pass

not-run = not run
not-run-compile = not run: the lesson did not compile
not-run-stub = your src/ is still the stub as given: this step needs your code
not-run-flagged = not run: the lesson was flagged
not-run-time = not run: the lesson's time limit of { $limit } s ran out first
problem-compile = does not compile: { $error }
problem-timed-out = timed out: the lesson's time limit of { $limit } s ran out; { $finished } of { $total } steps finished
problem-flagged = flagged: { $flags }
run-no-such-test = no test named `{ $step }` in { $file }: lesson.toml and the tests disagree
run-cannot-list = cannot list the tests of { $binary }: { $why }
run-cannot-run = cannot run { $binary }: { $error }
run-in-case = (in `{ $case }`)
run-timed-out = timed out: the lesson's time limit of { $limit } s ran out while this step was running{ $case }. Does the code loop forever, or wait for something that never comes?
run-stack-overflow = crashed: stack overflow (signal { $signal })
run-out-of-memory = crashed: out of memory, { $line } (signal { $signal })
run-signal = crashed: signal { $signal } ({ $name })
run-exited-early = the test process exited early with code { $code } before the step finished{ $case }: does your code call std::process::exit?
run-unconfirmed = unconfirmed pass: the test runner's output says this step passed, but testkit never confirmed it, so the test did not run to its end. Output that imitates the test runner, or a process that leaves early, does not count.
run-ignored = { $count } of its tests are marked #[ignore]
run-only-some = only { $ran } of its { $total } tests ran
run-failed = failed
run-case-failed = `{ $case }` failed:
run-panicked = panicked
run-panicked-at = (panicked at { $place })
ending-code = it exited with code { $code }
ending-signal = it was killed by signal { $signal } ({ $name })
ending-timed-out = it did not finish in time
build-failed = cargo could not build the lessons: { $error }
build-dependency-failed = a package it needs ({ $name }) did not compile: { $error }
build-no-binary = cargo built no test binary: { $error }

## What the checker shows while it works (stderr)

progress-plain = checker: { $what }
progress-compiled = checker: { $what }: { $count } crates compiled, last { $name }
progress-steps = checker: { $what } ({ $count } steps)
progress-building = building
progress-building-one = building { $id }
progress-building-lessons = building { $count } lessons
progress-running = running steps
progress-verify-building = building { $count } lessons' stubs and solutions
progress-verify-running = running every step against stubs and solutions
progress-mistake = mistake { $n }/{ $total }: { $file }
progress-building-dependencies = building the course's dependencies
progress-building-course = building the course

## Errors and warnings

error-prefix = checker: error:
error-lang = `{ $value }` is not a language the checker speaks: use en or zh-CN
error-lesson-and-command = a lesson and a command together: `checker { $lesson }` shows that lesson; for a command, give the lesson after it (e.g. `checker hint { $lesson }`)
error-no-lessons = no lessons found: no exercises/lessonNN-*/lesson.toml
error-not-a-workspace = not inside the course workspace: no Cargo.toml with [workspace] and an exercises/ directory in { $dir } or above; run it in the course's directory, or name that directory with --dir
error-same-number = exercises/{ $first } and exercises/{ $second } are both lesson { $number }
error-unknown-lesson = unknown lesson `{ $arg }`: expected one of { $lessons }
error-unknown-lesson-none = unknown lesson `{ $arg }`: there are no lessons
error-cannot-read = cannot read { $path }
error-verify-no-solutions = verify checks every lesson against its reference solution, and this workspace has no solutions/ (a learner's copy?): run it in the course's own repository
toml-empty = `{ $key }` is empty
toml-no-step = no [[step]] is listed
toml-hint-and-hints = step `{ $step }` has both `hint` and `hints`: keep `hints`
toml-step-name = step name `{ $step }` must look like `stepNN_what_it_checks`
toml-step-twice = step `{ $step }` is listed twice
warn-would-flag = warning: grade would flag this: { $place } (no lesson needs it; an instructor's grade gives the lesson 0 points)
flag-path-attribute = the `#[path]` attribute
flag-unsafe = `unsafe` code

## watch and reset

watch-label = Watching
watch-waiting = exercises/*/src for changes ({ $how }); Ctrl-C to stop.
watch-by-events = file events
watch-by-polling = polling every { $ms } ms
watch-saved = Saved:
watch-checking = Checking
watch-done = Done:
watch-all-pass = every step of { $id } passes. Well done! Save another lesson's code to check it.
watch-no-events = checker: file events are not available here ({ $error }): polling for changes every { $ms } ms instead
watch-failed = checker: the file watcher failed ({ $error }): polling for changes every { $ms } ms instead
watch-stopped = checker: the file watcher stopped: polling for changes every { $ms } ms instead
watch-no-event = checker: a change arrived without a file event (file events do not work here): polling every { $ms } ms instead
reset-already-stub = { $id }: src/ is already the stub; nothing to do
reset-declined = { $id }: nothing changed
reset-restored = { $id }: restored the stub from commit { $commit }: { $files }
reset-backup = Your version is saved in { $path }/
reset-needs-yes = reset would overwrite { $src }/ and needs a yes: run it from a terminal, or add --yes
reset-no-commit = git has no commit that added { $file }: give one with --from REV
reset-no-src = commit { $commit } has no { $src }/
reset-no-git = reset takes the stub from git, and git cannot be run ({ $error }): install git, or copy the stub from the course's repository by hand
reset-not-a-repository = reset takes the stub from git, and { $dir } is not a git repository: copy the stub from the course's repository by hand
reset-ask = reset { $id }? your changes in { $files } will be lost (a backup is kept) [y/N]

## verify

verify-ok = ok
verify-lesson-ok = { $steps } { $steps ->
        [one] step fails against the stub and passes
       *[other] steps fail against the stub and pass
    } against the solution
verify-lesson-ok-mistakes = { $steps } { $steps ->
        [one] step fails against the stub and passes
       *[other] steps fail against the stub and pass
    } against the solution; { $mistakes ->
        [one] its 1 mistake is caught
       *[other] its { $mistakes } mistakes are caught
    }
verify-problems = { $count ->
        [one] 1 problem
       *[other] { $count } problems
    }
verify-no-lessons = no lessons found under exercises/
verify-sound = all { $count } { $count ->
        [one] lesson is
       *[other] lessons are
    } sound; { $mistakes } mistakes caught by the steps they name
verify-unsound = { $bad } of { $count } lessons have problems ({ $problems } in all)
verify-updated-stub = updated the stub's fingerprint in { $path }
verify-solution-not-compiling = the solution does not compile: { $error }
verify-stub-not-compiling = the stub does not compile: { $error }
verify-no-chapter = its chapter { $chapter } does not exist
verify-no-stub-fingerprint = { $file } has no `stub` fingerprint (unedited stubs are not built): run `cargo checker verify --update-stubs`
verify-old-stub-fingerprint = { $file } has an outdated `stub` fingerprint (unedited stubs are not built): run `cargo checker verify --update-stubs`
verify-no-todo = { $file } has no todo!() left: the stub must leave the work to the learner
verify-no-solution = it has no solution: { $dir }/Cargo.toml does not exist
verify-no-hint = { $step } has no hint (or an empty one) in lesson.toml
verify-no-hint-zh = { $step } has no Chinese hints in lesson.toml: add `hints-zh-CN = [...]`, one for each level of `hints`
verify-hint-zh-levels = { $step } has { $zh } levels of Chinese hints (`hints-zh-CN`) but { $en } of English ones (`hints`): give each level in both
verify-empty-hint-zh = { $step } has an empty Chinese hint in lesson.toml (`hints-zh-CN`)
verify-cannot-read = cannot read { $file }: { $error }
verify-unlisted-steps = { $file } has step functions that lesson.toml does not list: { $steps }
verify-undefined-steps = lesson.toml lists steps that { $file } does not define: { $steps }
verify-step-order = lesson.toml lists the steps in another order than { $file }: the file has { $steps }
verify-step-table = the step table of { $chapter } lists { $table } but lesson.toml has { $steps }
verify-nothing = nothing
verify-summary = { $summary } does not list the chapter ({ $file })
verify-manifest-parse = { $file } does not parse
verify-examples = the solution's [[example]]s ({ $listed }) are not the exercise's examples/ ({ $files })
verify-examples-gated = the exercise's examples/ ({ $files }) must each be an [[example]] with required-features = ["examples"] in its Cargo.toml, under a declared `examples` feature, so that `cargo test` does not build them after every edit (gated now: { $listed })
verify-binary-extra = the test binary has `{ $step }`, which lesson.toml does not list
verify-binary-order = lesson.toml's order differs from the tests' (step numbers must rise in file order): { $steps }
verify-missing-test = lesson.toml lists `{ $step }` but the test binary has no such test
verify-solution-fails = { $step } does not pass against the solution ({ $status }): { $line }
verify-stub-passes = { $step } passes against the stub: it must fail until the learner writes the code
verify-stub-slow = { $step } did not fail within the { $limit } s limit against the stub: a wrong program must fail fast
mistake-no-header = { $file } has no `//! { $key } ...` line at its top
mistake-unknown-step = { $file } names `{ $step }`, which lesson.toml does not list
mistake-not-compiling = { $file } does not compile: { $error }
mistake-built-nothing = { $file }: cargo built nothing
mistake-did-not-run = { $file }: its steps did not run
mistake-not-caught = { $file } ({ $what }) passes every step up to `{ $step }`: no step catches it
mistake-other-step = { $file } fails `{ $step }` first, not `{ $expected }` ({ $status }: { $line })
mistake-other-words = { $file } fails `{ $step }` as expected, but its message does not say "{ $says }": { $line }
mistake-bad-patch = { $file } is not a unified diff against the solution's src/lib.rs after its three header lines ({ $error }): write the mistake as a whole NAME.rs and run scripts/mistake-to-patch.sh on it
mistake-stale-patch = { $file }: the solution changed under it: hunk #{ $hunk } (at line { $at }: `{ $line }`) no longer applies to the solution's src/lib.rs. Regenerate it with scripts/mistake-to-patch.sh --restore { $file } (writes { $rs }; mend it), then scripts/mistake-to-patch.sh { $rs }
mistake-not-a-patch = { $file } is a whole program, not a patch: verify runs mistakes/NAME.patch only. Convert it with scripts/mistake-to-patch.sh { $file }

## grade

col-submission = Submission
col-total = Total
standing-graded = graded
standing-tests-modified = tests modified
standing-does-not-build = does not build
standing-flagged = flagged
standing-build-timed-out = build timed out
standing-build-over-memory = build over memory
standing-empty = empty
standing-not-a-workspace = not a workspace
standing-error = error
grade-unsandboxed = graded with --no-sandbox: its code ran unconfined, so its points are not proof
grade-warning = checker: warning: { $warning }
grade-progress = checker: [{ $n }/{ $total }] { $name }: { $points }/{ $max } points, { $standing } ({ $seconds } s)
grade-stubs-do-not-build = the course's stubs do not build in the sandbox: { $error }
grade-wrote = Wrote { $csv } and each graded submission's report to { $dir }
sandbox-as = as { $user }
sandbox-as-uid = as { $user } (uid { $uid })
sandbox-as-current = as the current user
sandbox-processes = { $count } more processes
sandbox-processes-unlimited = processes not limited (cannot count them here)
sandbox-describe = tests run { $who }: { $cpu } s CPU, { $memory } MiB memory, { $files } MiB files, { $processes }
jail-describe = builds and tests run in a bubblewrap sandbox { $who }: loopback only, no view of solutions/, other submissions or the output folder, { $tmp } MiB private /tmp
note-stray-killed = { $count } stray processes killed after its tests
note-not-a-directory = { $dir } is not a directory
note-no-exercises = no exercises/lessonNN-* directories
note-build-timed-out = build timed out: still compiling after { $seconds } s (--build-timeout)
note-build-over-memory = build over memory: the compiler needed more than { $mib } MiB (--build-memory)
note-edits-ignored = edits ignored (graded with the course's tests) in { $lessons }
note-missing = missing (graded as the stub): { $lessons }
note-flagged = flagged (0 points; --allow-flagged grades them after review): { $flags }
note-flagged-allowed = flagged, graded anyway (--allow-flagged): { $flags }
note-first-error = first error: { $error }
note-timed-out = timed out: { $lessons }
note-over-limit = over a limit: { $steps }
flag-symlink = { $file } is a symbolic link: submit regular files
flag-unconfirmed = unconfirmed passes (test-runner output imitated, or the process left early) in { $steps }

## export-student and new-lesson

export-done = Exported { $count } files to { $dir } (no solutions/).
export-done-classroom = Exported { $count } files to { $dir } (no solutions/), with { $workflow }.
export-in-it = In it: `cargo checker` for progress, `cargo test -p lesson01` for one lesson's tests.
export-inside = { $dir } is inside the workspace: export to a directory outside { $root }
export-not-empty = { $dir } is not empty: export into a new or empty directory
export-no-template = --classroom needs the workflow template { $template }, which this workspace lacks
export-edited = export-student writes what git has at HEAD, and these files differ from it: { $files } (commit or stash them first)
export-not-a-repository = export-student exports what git has at HEAD, and { $dir } is not a git repository with a commit
new-lesson-created = created  { $path }
new-lesson-edited = edited   { $path }
new-lesson-next = Next: `cargo checker verify` (it passes already), then the recipe in CONTRIBUTING.md: the stub, the steps, the solution, the mistakes, the chapter.
new-lesson-number = the lesson number must be 1 to 99, not { $number }
new-lesson-slug = the slug must be lowercase letters, digits and dashes, like `chat-room`: not `{ $slug }`
new-lesson-title = the title must be one line without double quotes
new-lesson-exists = lesson { $number } exists already: exercises/{ $dir }
new-lesson-path-exists = { $path } exists already
