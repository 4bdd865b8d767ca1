#!/usr/bin/perl
# net_opensrs.pl - LOOKUP round trips per second of Debian's Net::OpenSRS
# against a running opensrs-sim over HTTPS; the counterpart of bench_sim.
#
# One round trip is Net::OpenSRS::is_available(NAME): make_request builds
# and signs the LOOKUP document, creates an LWP::UserAgent and POSTs it
# (so every request opens a new TCP connection and does a full TLS
# handshake - the module's normal behaviour), then parses the answer with
# XML::Simple. The names alternate between one the sim answers 210 (free)
# and one it answers 211 (taken), as bench_sim does; each answer is
# checked, and a wrong or missing one counts as an error.
#
# The sim's CA is trusted through PERL_LWP_SSL_CA_FILE, which
# LWP::UserAgent reads when it is created; host name verification stays on
# (the sim's certificate names IP:127.0.0.1).
#
# Usage: net_opensrs.pl --url URL --user USER --key KEY --ca FILE
#                       [--seconds S | --iterations N]
#                       [--free NAME] [--taken NAME]
# Prints one line like bench_sim's. Exit 1 when any call failed.
use strict;
use warnings;

use Getopt::Long;
use Net::OpenSRS;
use Time::HiRes qw(time);

my ($url, $user, $key, $ca);
my ($seconds, $iterations) = (3, 0);
my ($free, $taken) = ('bench-sim-free.com', 'taken.com');
GetOptions(
    'url=s'        => \$url,
    'user=s'       => \$user,
    'key=s'        => \$key,
    'ca=s'         => \$ca,
    'seconds=f'    => \$seconds,
    'iterations=i' => \$iterations,
    'free=s'       => \$free,
    'taken=s'      => \$taken,
) && $url && $user && $key && $ca
    or die "usage: $0 --url URL --user USER --key KEY --ca FILE "
    . "[--seconds S | --iterations N]\n";

$ENV{PERL_LWP_SSL_CA_FILE}         = $ca;
$ENV{PERL_LWP_SSL_VERIFY_HOSTNAME} = 1;

my $srs = Net::OpenSRS->new;
$srs->environment('test');
$srs->set_key($key);
# Net::OpenSRS sends the manage-auth user as X-Username: the reseller here.
$srs->set_manage_auth($user, 'unused');
$srs->{config}{test}{host} = $url;

my ($sent, $errors, $first_error) = (0, 0, '');

# Net::OpenSRS drops the HTTP status of a failed request (it only says so
# in debug mode); keep the last one for the error report. The wrapper only
# reads the response LWP returns.
my $http_status = '';
{
    no warnings 'redefine';
    my $post = \&LWP::UserAgent::post;
    *LWP::UserAgent::post = sub {
        my $res = $post->(@_);
        $http_status = $res->status_line;
        return $res;
    };
}

# one_lookup - one is_available round trip, checked against the answer
# the sim gives for the name; true when right.
sub one_lookup {
    my ($is_taken) = @_;
    my $name = $is_taken ? $taken : $free;
    $sent++;
    my $avail = $srs->is_available($name);
    my $raw   = $srs->last_response(1);
    my $code  = ref $raw ? $raw->{response_code} // '' : '';
    return 1
        if defined $avail
        && $avail == ($is_taken ? 0 : 1)
        && $code eq ($is_taken ? '211' : '210');
    $errors++;
    $first_error ||= "LOOKUP $name: "
        . (defined $avail ? "is_available $avail" : 'no answer')
        . ", HTTP $http_status, response " . ($srs->last_response // 'none');
    return 0;
}

# Warm-up, as bench_sim: load the modules LWP pulls in on first use.
one_lookup(1);

my ($done, $t0) = (0, time);
my @cpu0 = times;
my $t = $t0;
for (my $i = 0;; $i++) {
    $done++ if one_lookup($i & 1);
    $t = time;
    last if $iterations ? $i + 1 >= $iterations : $t - $t0 >= $seconds;
}
my @cpu1 = times;
my $cpu  = ($cpu1[0] + $cpu1[1]) - ($cpu0[0] + $cpu0[1]);
my $el   = $t - $t0;
printf "Net::OpenSRS %s: %d round trips in %.3f s = %.0f round trips/s "
    . "(errors %d, requests %d, new connection each, "
    . "cpu %.2f s = %.0f%% of one CPU)\n",
    $Net::OpenSRS::VERSION, $done, $el, $el > 0 ? $done / $el : 0,
    $errors, $sent, $cpu, $el > 0 ? 100 * $cpu / $el : 0;
if ($errors) {
    print STDERR "net_opensrs.pl: $errors failed round trips; "
        . "first: $first_error\n";
    exit 1;
}
