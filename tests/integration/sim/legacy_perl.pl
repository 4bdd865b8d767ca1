#!/usr/bin/perl
# Independent check of opensrs-sim's legacy protocol (raw TCP, OpenSRS port
# 55000; shared/opensrs-xcp.md §2): a client written here in Perl from the
# protocol notes, with Debian's Crypt::CBC 3.04 (RandomIV header, the old
# MD5 key derivation) over Crypt::Blowfish and Crypt::DES, and its own OPS
# encoder/decoder. No regman code is used. It starts the real opensrs-sim,
# finds its ports in the ready file and checks the world through the
# control API. Usage: perl legacy_perl.pl PATH-TO-opensrs-sim
use strict;
use warnings;
use Digest::MD5 qw(md5);
use File::Temp qw(tempdir);
use IO::Select;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep time);

my $sim = shift or die "usage: $0 PATH-TO-opensrs-sim\n";
my $dir = tempdir(CLEANUP => 1);
my ($pass, $fail) = (0, 0);

# the ($$) prototype puts both arguments in scalar context: a failed
# match must count as false, not vanish from the argument list
sub ok ($$) {
    my ($cond, $name) = @_;
    if ($cond) { $pass++; print "ok - $name\n"; }
    else       { $fail++; print "not ok - $name\n"; }
    return $cond;
}

# a missing module is a failure, never a skip
for my $m (qw(Crypt::CBC Crypt::Blowfish Crypt::DES)) {
    ok(eval "require $m; 1", "Perl module $m is installed");
}
if ($fail) {
    print "$pass passed, $fail failed\n";
    exit 1;
}

my $BF_KEY = join '', map { sprintf '%02x', ($_ * 37 + 11) % 256 } 0 .. 55;
my $DES_KEY = '0123456789abcdef';

my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    exec($sim, '--listen', '127.0.0.1:0', '--listen-legacy', '127.0.0.1:0',
         '--control', '127.0.0.1:0',
         '--reseller', "bfresel:$BF_KEY", '--reseller', "desresel:$DES_KEY",
         '--ready-file', "$dir/ready", '--log', "$dir/log",
         '--read-timeout', '5', '--idle-timeout', '10') or exit 127;
}
my %ready;
for (1 .. 1000) {
    if (open my $fh, '<', "$dir/ready") {
        while (<$fh>) { chomp; my ($k, $v) = split /=/, $_, 2; $ready{$k} = $v; }
        last;
    }
    die "opensrs-sim exited early\n" if waitpid($pid, WNOHANG) == $pid;
    sleep 0.01;
}
die "no ready file\n" unless $ready{control};
ok(defined $ready{legacy} && $ready{legacy} =~ /^127\.0\.0\.1:\d+$/,
   'ready file has a legacy= line');
die "no legacy listener\n" unless $ready{legacy};

# --- OPS, written from the DTD summary --------------------------------------

sub esc {
    my $s = shift;
    $s =~ s/&/&amp;/g; $s =~ s/</&lt;/g; $s =~ s/>/&gt;/g;
    $s =~ s/"/&quot;/g; $s =~ s/'/&apos;/g;
    return $s;
}

sub unesc {
    my $s = shift;
    $s =~ s/&lt;/</g; $s =~ s/&gt;/>/g; $s =~ s/&quot;/"/g;
    $s =~ s/&apos;/'/g; $s =~ s/&amp;/&/g;
    return $s;
}

sub enc_val {
    my $v = shift;
    if (ref $v eq 'HASH') {
        return '<dt_assoc>' . join('', map {
            '<item key="' . esc($_) . '">' . enc_val($v->{$_}) . "</item>\n"
        } sort keys %$v) . '</dt_assoc>';
    }
    if (ref $v eq 'ARRAY') {
        return '<dt_array>' . join('', map {
            qq{<item key="$_">} . enc_val($v->[$_]) . "</item>\n"
        } 0 .. $#$v) . '</dt_array>';
    }
    return esc($v);
}

sub ops_request {
    my ($action, $object, $attrs) = @_;
    my $data = { protocol => 'XCP', action => $action, object => $object,
                 attributes => $attrs // {} };
    return qq{<?xml version='1.0' encoding='UTF-8' standalone='no' ?>\n}
         . qq{<!DOCTYPE OPS_envelope SYSTEM 'ops.dtd'>\n<OPS_envelope>\n}
         . qq{<header><version>0.9</version></header>\n<body><data_block>}
         . enc_val($data) . "</data_block></body>\n</OPS_envelope>\n";
}

# ops_parse - the data_block of a document as Perl data, undef if it is
# not a well-formed OPS document
sub ops_parse {
    my $xml = shift // return undef;
    my ($db) = $xml =~ m{<data_block>(.*)</data_block>}s or return undef;
    my @tok = $db =~ m{(<[^>]*>|[^<]+)}gs;
    my $pos = 0;
    my $skip = sub { $pos++ while $pos < @tok && $tok[$pos] =~ /^\s+$/ };
    my $val;
    $val = sub {
        $skip->();
        my $t = $tok[$pos] // return undef;
        if ($t =~ /^<dt_(assoc|array)>$/) {
            my $kind = $1;
            $pos++;
            my (%h, @a);
            for (;;) {
                $skip->();
                my $u = $tok[$pos] // return undef;
                if ($u eq "</dt_$kind>") { $pos++; last; }
                if ($u =~ m{^<item key=(["'])(.*?)\1\s*/>$}) {
                    $pos++;
                    $kind eq 'assoc' ? ($h{unesc($2)} = '') : ($a[$2] = '');
                    next;
                }
                return undef unless $u =~ m{^<item key=(["'])(.*?)\1\s*>$};
                my $k = unesc($2);
                $pos++;
                my $v = $val->();
                return undef unless defined $v;
                $skip->();
                return undef unless ($tok[$pos] // '') eq '</item>';
                $pos++;
                if ($kind eq 'assoc') { $h{$k} = $v; }
                else { return undef unless $k =~ /^\d+$/; $a[$k] = $v; }
            }
            return $kind eq 'assoc' ? \%h : \@a;
        }
        if ($t eq '<dt_scalar>') {
            $pos++;
            my $s = '';
            $s .= $tok[$pos++] while $pos < @tok && $tok[$pos] !~ /^</;
            return undef unless ($tok[$pos] // '') eq '</dt_scalar>';
            $pos++;
            return unesc($s);
        }
        return '' if $t =~ m{^</};
        return undef if $t =~ /^</;
        $pos++;
        return unesc($t);
    };
    my $v = $val->();
    $skip->();
    return $pos == @tok && ref $v eq 'HASH' ? $v : undef;
}

# --- framing: "Content-Length: N\r\n\r\n" and N bytes -----------------------

my %rbuf;

sub send_frame {
    my ($s, $body) = @_;
    my $msg = 'Content-Length: ' . length($body) . "\r\n\r\n" . $body;
    while (length $msg) {
        my $w = syswrite($s, $msg);
        return 0 unless defined $w && $w > 0;
        substr($msg, 0, $w) = '';
    }
    return 1;
}

# fill - read more bytes within the deadline; 0 at end of stream or timeout
sub fill {
    my ($s, $deadline) = @_;
    my $left = $deadline - time;
    return 0 if $left <= 0;
    return 0 unless IO::Select->new($s)->can_read($left);
    my $n = sysread($s, my $chunk, 65536);
    return 0 unless $n;
    $rbuf{fileno $s} .= $chunk;
    return 1;
}

# read_frame - the next frame's body; undef at end of stream, on a timeout
# or when the bytes are not a frame. The header must be exactly
# "Content-Length: N\r\n\r\n" (what §2.2 says a server emits)
sub read_frame {
    my ($s, $timeout) = @_;
    my $deadline = time + ($timeout // 10);
    my $b = \$rbuf{fileno $s};
    $$b //= '';
    for (;;) {
        if ($$b =~ /^Content-Length: (\d+)\r\n\r\n/) {
            my ($n, $h) = ($1, length $&);
            if (length($$b) >= $h + $n) {
                my $frame = substr($$b, 0, $h + $n, '');
                return substr($frame, $h);
            }
        } elsif (length($$b) >= 24 && $$b !~ /^Content-Length: \d/) {
            return undef;
        }
        return undef unless fill($s, $deadline);
    }
}

# closed - the peer ends the connection without sending anything more
sub closed {
    my ($s, $timeout) = @_;
    my $b = \$rbuf{fileno $s};
    return 0 if length($$b // '');
    return 0 unless IO::Select->new($s)->can_read($timeout // 10);
    my $n = sysread($s, my $chunk, 1);
    return defined $n && $n == 0;
}

sub connect_legacy {
    my $s = IO::Socket::INET->new(PeerAddr => $ready{legacy}, Timeout => 5)
        or die "connect $ready{legacy}: $!\n";
    binmode $s;
    delete $rbuf{fileno $s};
    return $s;
}

# cipher - {enc, dec}: enc is Crypt::CBC in 'randomiv' mode, which
# derives the key as §2.4 says (MD5 chain over the hex-decoded key) and
# writes "RandomIV" || IV || ciphertext. Crypt::CBC 3.04 cannot decrypt
# that mode (its _read_key_and_iv takes the second value of key_and_iv,
# random bytes, as the key), so dec does what its decrypt should: the key
# from the same Crypt::CBC key derivation, the IV from bytes 8-15, and CBC
# with PKCS#5 padding via Crypt::CBC with that literal key.
sub cipher {
    my ($hexkey, $type) = @_;
    my $name = $type eq 'des' ? 'DES' : 'Blowfish';
    my $enc = Crypt::CBC->new(-key => pack('H*', $hexkey), -cipher => $name,
                              -header => 'randomiv', -nodeprecate => 1);
    my ($key) = $enc->pbkdf_obj->key_and_iv(undef, pack('H*', $hexkey));
    my $dec = sub {
        my $payload = shift;
        return undef unless length($payload) >= 24
            && substr($payload, 0, 8) eq 'RandomIV';
        my $c = Crypt::CBC->new(-key => $key, -literal_key => 1,
                                -iv => substr($payload, 8, 8),
                                -header => 'none', -cipher => $name,
                                -nodeprecate => 1);
        return eval { $c->decrypt(substr($payload, 16)) };
    };
    return { enc => $enc, dec => $dec };
}

# handshake - greeting, CHECK VERSION, AUTHENTICATE USER, the challenge
# answer. Returns a hash: sock, greeting (parsed), challenge (raw), auth
# (raw answer frame), cipher.
sub handshake {
    my ($user, $hexkey, $type) = @_;
    my %h = (sock => connect_legacy());
    my $s = $h{sock};
    $h{greeting_raw} = read_frame($s);
    $h{greeting} = ops_parse($h{greeting_raw});
    send_frame($s, ops_request('check', 'version',
        { sender => 'Perl legacy check', version => 'XML:0.1',
          state => 'ready' }));
    send_frame($s, ops_request('authenticate', 'user',
        { crypt_type => $type, username => $user, password => $user }));
    $h{challenge} = read_frame($s);
    $h{cipher} = cipher($hexkey, $type =~ /des/i ? 'des' : 'blowfish');
    send_frame($s, $h{cipher}{enc}->encrypt(md5($h{challenge} // '')))
        if defined $h{challenge};
    $h{auth} = read_frame($s);
    return \%h;
}

sub decrypt_ops {
    my ($c, $payload) = @_;
    return undef unless defined $payload;
    return ops_parse($c->{dec}->($payload));
}

# cmd - one encrypted command; the decrypted, parsed answer or undef
sub cmd {
    my ($h, $action, $object, $attrs) = @_;
    send_frame($h->{sock},
               $h->{cipher}{enc}->encrypt(ops_request($action, $object, $attrs)))
        or return undef;
    return decrypt_ops($h->{cipher}, read_frame($h->{sock}));
}

# --- control API (plain HTTP/1.0, JSON) --------------------------------------

sub control {
    my ($method, $path, $json) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => $ready{control}, Timeout => 5)
        or return (0, undef);
    my $body = defined $json ? encode_json($json) : '';
    print $s "$method $path HTTP/1.0\r\nContent-Type: application/json\r\n"
           . 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    local $/;
    my $resp = <$s> // '';
    close $s;
    my ($status) = $resp =~ m{^HTTP/1\.\d (\d{3})};
    my ($b) = $resp =~ m{\r\n\r\n(.*)\z}s;
    my $j = eval { decode_json($b // '') };
    return ($status // 0, $j);
}

sub count_of {
    my ($action, $domain) = @_;
    my ($st, $c) = control('GET', '/counts');
    return -1 unless $st == 200 && ref $c eq 'HASH';
    return $c->{domains}{$action}{$domain} // 0 if defined $domain;
    return $c->{actions}{$action} // 0;
}

sub registered {
    my $name = shift;
    my ($st, $w) = control('GET', '/state');
    return $st == 200 && ref $w eq 'HASH' && ref $w->{domains}{$name} eq 'HASH';
}

my %contact = (first_name => 'Jo', last_name => 'Doe', address1 => '1 Main',
               city => 'Toronto', country => 'CA', postal_code => 'M5V1A1',
               phone => '+1.4165550123', email => 'jo@example.com');
sub sw_register_attrs {
    my $name = shift;
    return { domain => $name, reg_type => 'new', period => 1,
             reg_username => 'u', reg_password => 'p',
             custom_tech_contact => 0, custom_nameservers => 0,
             contact_set => { map { $_ => {%contact} } qw(owner admin billing) } };
}

# --- the checks ----------------------------------------------------------------

control('POST', '/counts/reset');

# greeting, handshake, LOOKUP and SW_REGISTER over Blowfish
my $h = handshake('bfresel', $BF_KEY, 'blowfish');
my $g = $h->{greeting};
ok(defined $g && lc($g->{action} // '') eq 'check'
   && lc($g->{object} // '') eq 'version'
   && ($g->{attributes}{sender} // '') =~ /OpenSRS\sSERVER/
   && substr($g->{attributes}{version} // '', 0, 3) eq 'XML'
   && ($g->{attributes}{state} // '') eq 'ready',
   'greeting: plain CHECK VERSION from "OpenSRS SERVER", XML version, ready');
ok(defined $h->{challenge} && length($h->{challenge}) == 16,
   'challenge: 16 raw bytes');
ok(defined $h->{auth} && substr($h->{auth}, 0, 8) eq 'RandomIV',
   'authentication answer is encrypted (RandomIV header)');
my $auth = decrypt_ops($h->{cipher}, $h->{auth});
ok($auth && ($auth->{response_code} // '') eq '200' && ($auth->{is_success} // '') eq '1',
   'Blowfish handshake: 200, is_success 1');

my $name = 'legacy-perl-check.com';
my $r = cmd($h, 'lookup', 'domain', { domain => $name });
ok($r && ($r->{response_code} // '') eq '210', "LOOKUP $name: 210 available");
$r = cmd($h, 'sw_register', 'domain', sw_register_attrs($name));
ok($r && ($r->{response_code} // '') eq '200' && ($r->{is_success} // '') eq '1',
   "SW_REGISTER $name: 200");
$r = cmd($h, 'lookup', 'domain', { domain => $name });
ok($r && ($r->{response_code} // '') eq '211', "LOOKUP $name afterwards: 211");
ok(registered($name), 'control API: the domain is in the world');
ok(count_of('SW_REGISTER') == 1 && count_of('SW_REGISTER', $name) == 1,
   'control API: SW_REGISTER counted exactly once');

# QUIT SESSION ends the session cleanly
$r = cmd($h, 'quit', 'session', {});
ok($r && ($r->{response_code} // '') eq '200', 'QUIT SESSION: encrypted 200');
ok(closed($h->{sock}), 'QUIT SESSION: the server closes the connection');

# DES with an 8-byte key
$h = handshake('desresel', $DES_KEY, 'DES');
$auth = decrypt_ops($h->{cipher}, $h->{auth});
ok($auth && ($auth->{response_code} // '') eq '200',
   'DES handshake (8-byte key, crypt_type in upper case): 200');
$r = cmd($h, 'lookup', 'domain', { domain => $name });
ok($r && ($r->{response_code} // '') eq '211', 'DES session: LOOKUP answers 211');
close $h->{sock};

# a wrong key and an unknown user are refused alike: plain 415, then close
for my $case (['bfresel', 'wrong key', 'aa' x 56],
              ['nobody', 'unknown user', $BF_KEY]) {
    my ($user, $what, $key) = @$case;
    $h = handshake($user, $key, 'blowfish');
    ok(defined $h->{challenge} && length($h->{challenge}) == 16,
       "$what: a challenge is sent all the same");
    my $p = ops_parse($h->{auth});
    ok(defined $h->{auth} && substr($h->{auth}, 0, 8) ne 'RandomIV' && $p
       && ($p->{response_code} // '') eq '415' && ($p->{is_success} // '') eq '0',
       "$what: plain OPS 415");
    ok(closed($h->{sock}), "$what: the connection closes");
}
{
    my $s = connect_legacy();
    read_frame($s);
    send_frame($s, ops_request('check', 'version', { state => 'ready' }));
    send_frame($s, ops_request('authenticate', 'user',
        { crypt_type => 'rot13', username => 'bfresel' }));
    my $p = ops_parse(read_frame($s));
    ok($p && ($p->{response_code} // '') eq '400'
       && ($p->{response_text} // '') =~ /Invalid encryption method/
       && closed($s), 'unknown crypt_type: plain 400, then close');
}

# 100 commands pass on one session, the 101st gets 350 and the end
{
    my $before = count_of('LOOKUP');
    $h = handshake('bfresel', $BF_KEY, 'blowfish');
    my $good = 0;
    for my $i (1 .. 100) {
        my $x = cmd($h, 'lookup', 'domain', { domain => "many-$i.com" });
        $good++ if $x && ($x->{response_code} // '') eq '210';
    }
    ok($good == 100, "100 commands on one session answered ($good)");
    $r = cmd($h, 'lookup', 'domain', { domain => 'one-too-many.com' });
    ok($r && ($r->{response_code} // '') eq '350', 'the 101st command: 350');
    ok(closed($h->{sock}), 'after 350 the connection closes');
    ok(count_of('LOOKUP') - $before == 100,
       'the 101st command was not run (LOOKUP counted 100 times)');
}

# close_after on SW_REGISTER: the effect, and no answer
{
    my ($st) = control('POST', '/rules',
        { action => 'SW_REGISTER', fault => 'close_after', count => 1 });
    ok($st == 200, 'control API: close_after rule set');
    my $lost = 'legacy-lost-answer.com';
    $h = handshake('bfresel', $BF_KEY, 'blowfish');
    send_frame($h->{sock},
        $h->{cipher}{enc}->encrypt(ops_request('sw_register', 'domain',
                                          sw_register_attrs($lost))));
    ok(closed($h->{sock}), 'close_after: the connection closes with no answer');
    ok(registered($lost), 'close_after: the registration happened');
    ok(count_of('SW_REGISTER', $lost) == 1,
       'close_after: SW_REGISTER counted once');
}

# the refusals and commands are in the exchange log
{
    open my $fh, '<', "$dir/log";
    my $log = do { local $/; <$fh> } // '';
    ok($log =~ /user=nobody action=AUTHENTICATE object=USER .*code=415/,
       'exchange log: the refused AUTHENTICATE');
    ok($log =~ /user=bfresel action=SW_REGISTER object=DOMAIN domain=legacy-perl-check\.com code=200/,
       'exchange log: the SW_REGISTER');
}

kill 'TERM', $pid;
waitpid($pid, 0);
ok($? == 0, 'opensrs-sim exits 0 on SIGTERM');

# --listen-legacy alone is enough (no --listen), even with TLS options:
# the legacy listener stays plain TCP
{
    my $pid2 = fork();
    die "fork: $!" unless defined $pid2;
    if ($pid2 == 0) {
        exec($sim, '--listen-legacy', '127.0.0.1:0',
             '--tls-self-signed', "$dir/tls",
             '--reseller', "bfresel:$BF_KEY", '--ready-file', "$dir/ready2",
             '--log', "$dir/log2") or exit 127;
    }
    my @lines;
    for (1 .. 1000) {
        if (open my $fh, '<', "$dir/ready2") { @lines = <$fh>; last; }
        last if waitpid($pid2, WNOHANG) == $pid2;
        sleep 0.01;
    }
    chomp @lines;
    my @legacy = grep { /^legacy=127\.0\.0\.1:\d+$/ } @lines;
    ok(@legacy == 1 && !grep({ /^listen=/ } @lines),
       'only --listen-legacy: one legacy= line, no listen= line');
    if (@legacy) {
        local $ready{legacy} = substr($legacy[0], 7);
        my $x = handshake('bfresel', $BF_KEY, 'blowfish');
        my $y = decrypt_ops($x->{cipher}, $x->{auth});
        ok($y && ($y->{response_code} // '') eq '200',
           'only --listen-legacy (TLS options given): plain TCP handshake');
    } else {
        ok(0, 'only --listen-legacy (TLS options given): plain TCP handshake');
    }
    kill 'TERM', $pid2;
    waitpid($pid2, 0);
}

print "$pass passed, $fail failed\n";
exit($fail ? 1 : 0);
