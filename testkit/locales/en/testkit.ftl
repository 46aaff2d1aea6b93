# The testkit's shared failure phrases, in English (the fallback).
# Every id here is in zh-CN/testkit.ftl too, in the same order.
# A value is plain text: `\n` stays a backslash and an n.

## explain::io_error

io-timeout = timed out: no data within { $limit }
io-reset = the connection was reset: the other side closed it abruptly, without a clean goodbye
io-aborted = the connection was aborted on this side
io-refused = connection refused: nothing listens on that port (has the server stopped?)
io-broken-pipe = broken pipe: the other side has closed the connection, so nothing more can be sent
io-not-connected = not connected: the socket's connection is gone (closed, or shut down already)
io-eof = the connection ended (EOF) in the middle of a message
io-addr-in-use = address in use: another socket already holds that port
io-addr-not-available = that address does not belong to this machine
io-interrupted = interrupted by a signal (try the call again)
io-invalid-input = invalid input to the call
io-invalid-data = the data was not valid
io-permission-denied = permission denied
io-out-of-memory = out of memory

## deadline::within

no-thread = could not start a thread for { $what }: { $error }
no-result = { $what } gave no result within { $limit }. Is it waiting to read bytes that never come (one more read after the peer has sent everything), or waiting for a peer that closed?

## The panic report (learner)

todo-mark = reached a `todo!()`
panic-todo-at = reached a `todo!()` at { $place } ({ $message }): that part of the exercise is not written yet
panic-todo = reached a `todo!()` ({ $message }): that part of the exercise is not written yet
panicked-at = panicked at { $place }: { $message }
panicked = panicked: { $message }
stray-todo-at = a thread that { $what } started reached a `todo!()` at { $place } ({ $message }): that part of the exercise is not written yet
stray-todo = a thread that { $what } started reached a `todo!()` ({ $message }): that part of the exercise is not written yet
returned = returned { $value }
by-then = (by then { $what } had { $end })
and-so = ... and so: { $message }
did-not-return = { $what } did not return within { $limit } after { $after }
the-step-s-end = the step's end
ended-before-connect = { $what } { $end }, before { $name } could connect
could-not-connect = { $name } could not connect to { $addr }: { $error }. Is the server listening?
returned-error = { $what } returned an error: { $error }
returned-error-after = { $what } returned an error after { $how }: { $error }

## The step's panic hook (the checker recognises these lines in every language)

hook-todo = This step reached a `todo!()` in your code: that part of the exercise is not written yet.
hook-hint = hint ({ $step }): { $hint }
hook-more = (stuck? `cargo checker hint` says more, a level at a time)
hook-replay = replay this run with { $var }={ $seed }

## The line client and its transcript

exchange = the exchange ({ $name }):
earlier-events = ... { $count } earlier events
earlier-datagrams = ... { $count } earlier datagrams
nothing-yet = (nothing yet)
event-closed = (the connection closed)
event-expected = (expected)
event-closed-silently = (the connection closed, without a word)
event-from = (from { $from }, not the server)
note-silence = heard nothing for { $quiet }, as it should
note-half-close = half-close: no more bytes from this side (shutdown(Write))
send-failed = could not send: { $error }. Did the server close the connection?
send-failed-datagram = could not send: { $error }
closed-without-a-word = the server closed the connection without a word
line-too-long = { $count } bytes came without a \n: a line must end in \n
closed-mid-line = the server closed the connection in the middle of a line: every line ends in \n
nothing-came = nothing came within { $limit }. Is the server waiting for something the test did not send, or did it not write (and flush) its reply?
part-of-a-line = part of a line came and then nothing for { $limit }: every line ends in \n
nothing-more-server-ended = nothing came, and the server had already ended
line-not-expected = the line that came back is not the one expected
expected-but = expected { $expected }, but { $why }
closed-after-bytes = the server closed the connection after { $got } of the { $total } bytes expected
bytes-not-expected = the bytes that came back are not the ones expected
bytes-then-nothing = { $got } of the { $total } bytes expected came, then nothing for { $limit }
expected-close-silently = expected the server to close the connection without a word
expected-close = expected the server to close the connection; it stayed open for { $limit }
should-hear-nothing = should hear nothing yet ({ $why })
should-wait-closed = should wait, connected ({ $why }), but the server closed the connection
should-wait-but = should wait, connected ({ $why }), but { $words }
half-close-failed = could not half-close: { $error }
own-socket-failed = the test's own socket failed: { $error }
no-reply-ended = no reply came, and the server is no longer running to send one
no-reply-within = no reply within { $limit }: answer each datagram with send_to(reply, from), `from` being what recv_from returned
reply-not-expected = the reply is not the one expected
reply-from-elsewhere = the reply came from { $from }, not from the server's own socket { $server }
connect-within = could not connect to { $addr } within { $limit }: { $error }. Is the server listening?

## Bytes and diffs

bytes-size = ({ $count } bytes)
diff-expected = expected
diff-got = got
diff-text = text
diff-hex = hex
diff-label = { $name } ({ $count } bytes, { $kind }):
diff-label-cut = { $name } ({ $count } bytes, { $kind }, showing bytes { $from }..{ $to }):
first-difference = ^ first difference at byte { $at }

## Chunking and loss

chunk-whole = in one piece
chunk-one-byte = one byte at a time
chunk-fixed = in pieces of { $size } bytes
chunk-random = in random pieces of 1..={ $max } bytes (seed { $seed })
route-direct = directly
route-relay = through a relay, { $chunking }
loss-plan = drop { $drop }%, duplicate { $duplicate }%, reorder { $reorder }% (seed { $seed })
