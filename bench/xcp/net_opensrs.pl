#!/usr/bin/perl
# net_opensrs.pl - the bench_xcp pair done by Debian's Net::OpenSRS.
#
# One pair = Net::OpenSRS::make_request for SW_REGISTER, the method its
# register_domain() calls: it formats the request XML with its own
# formatter (_format), signs it (md5_hex twice), and parses the reply with
# XML::Simple plus its _denastify. Only the transport is replaced: the
# LWP::UserAgent it creates is a stub whose post() keeps the request and
# returns the canned SW_REGISTER reply, so no network is involved and no
# HTTP cost is counted on its side either.
#
# The order data are those of bench_xcp.c (4 contacts x 15 fields, 2
# nameservers, the same flags). Net::OpenSRS cannot format an array of
# hashes (it sorts and stringifies the elements), so the nameserver list is
# passed as a hash keyed 0 and 1: the same items and nearly the same bytes.
#
# Usage: net_opensrs.pl --response FILE [--seconds S | --iterations N]
#                       [--register-domain] [--dump-request]
# --register-domain times register_domain() itself instead (its own fixed
# shape: 3 identical contacts of 10 fields, no nameservers).
use strict;
use warnings;

use Digest::MD5 qw(md5_hex);
use Getopt::Long;
use HTTP::Response;
use Net::OpenSRS;
use Time::HiRes qw(time);
use XML::SAX;

my ($seconds, $iterations, $response_file, $register, $dump) = (3, 0);
GetOptions(
    'seconds=f'       => \$seconds,
    'iterations=i'    => \$iterations,
    'response=s'      => \$response_file,
    'register-domain' => \$register,
    'dump-request'    => \$dump,
) && $response_file or die "usage: $0 --response FILE [--seconds S | --iterations N]\n";

my $reply = do {
    open my $fh, '<', $response_file or die "$response_file: $!\n";
    local $/;
    <$fh>;
};
my $key = '0f3c9d2b7a6e41d58c0b9e7f2a1d4c6b8e0f3a5c7d9b1e2f'
    . '4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d';

# The stub transport: built once, so its cost is not counted per pair.
my $http_reply = HTTP::Response->new(200, 'OK', ['Content-Type' => 'text/xml'], $reply);
my ($sent_body, $sent_sig);
{
    no warnings 'redefine';
    *LWP::UserAgent::new = sub { return bless {}, 'Bench::StubUA' };
}
sub Bench::StubUA::post {
    my ($ua, $url, %h) = @_;
    ($sent_body, $sent_sig) = ($h{Content}, $h{'X-Signature'});
    return $http_reply;
}

my @keys = qw(first_name last_name org_name address1 address2 address3 city
    state postal_code country phone fax email url lang_pref);
my @contacts = (
    ['Ada', 'Lovelace', 'Analytical Engines Ltd', '12 Marylebone Road',
     'Suite 4', '', 'Toronto', 'ON', 'M5V 2T6', 'CA', '+1.4165550123',
     '+1.4165550124', 'ada@example.net', 'http://www.example.net', 'EN'],
    ['Charles', 'Babbage', 'Analytical Engines Ltd', '12 Marylebone Road',
     'Suite 4', '', 'Toronto', 'ON', 'M5V 2T6', 'CA', '+1.4165550125', '',
     'charles@example.net', 'http://www.example.net', 'EN'],
    ['Mary', 'Somerville', 'Analytical Engines Ltd', '12 Marylebone Road',
     'Accounts', '', 'Toronto', 'ON', 'M5V 2T6', 'CA', '+1.4165550126',
     '+1.4165550127', 'billing@example.net', '', 'EN'],
    ['Grace', 'Hopper', 'Compiler Works Inc', '1 Harbour Square', '',
     'Floor 9', 'Toronto', 'ON', 'M5J 2N8', 'CA', '+1.4165550128', '',
     'noc@example.net', 'http://noc.example.net', 'EN'],
);
my @roles = qw(owner admin billing tech);

my $srs = Net::OpenSRS->new;
$srs->set_key($key);
$srs->set_manage_auth('analytical', 'Kq7-vT2p-Wm9x');
$srs->master_domain('analytical-engines.com');

# one_pair - build the order's attributes (as bench_xcp builds its tree)
# and run the request/response cycle through Net::OpenSRS.
sub one_pair {
    my %set;
    for my $r (0 .. 3) {
        my %c;
        @c{@keys} = @{ $contacts[$r] };
        $set{ $roles[$r] } = \%c;
    }
    return $srs->make_request({
        action     => 'sw_register',
        object     => 'domain',
        attributes => {
            domain              => 'analytical-engines.com',
            reg_type            => 'new',
            period              => 2,
            reg_username        => 'analytical',
            reg_password        => 'Kq7-vT2p-Wm9x',
            handle              => 'process',
            auto_renew          => 0,
            f_lock_domain       => 1,
            f_whois_privacy     => 0,
            custom_tech_contact => 1,
            custom_nameservers  => 1,
            contact_set         => \%set,
            nameserver_list     => {
                0 => { name => 'ns1.example.net', sortorder => 1 },
                1 => { name => 'ns2.example.net', sortorder => 2 },
            },
        },
    });
}

my %customer = (
    firstname => 'Ada', lastname => 'Lovelace', company => 'Analytical Engines Ltd',
    address => '12 Marylebone Road', city => 'Toronto', state => 'ON',
    zip => 'M5V 2T6', country => 'CA', email => 'ada@example.net',
    phone => '416-555-0123',
);
sub one_register {
    my %c = %customer;    # register_domain rewrites country in place
    my $ok = $srs->register_domain('analytical-engines.com', \%c);
    return $srs->last_response(1);
}

my $pair = $register ? \&one_register : \&one_pair;

# Check once that the work is real: the signature is the protocol's and
# the reply was parsed into the values bench_xcp reads.
my $rv = $pair->();
die "Net::OpenSRS: reply not parsed\n"
    unless ref $rv && $rv->{response_code} == 200 && $rv->{is_success} == 1
    && $rv->{attributes}{id} == 1000123
    && $rv->{attributes}{admin_email} eq 'admin@example.net';
die "Net::OpenSRS: unexpected signature\n"
    unless $sent_sig eq md5_hex(md5_hex($sent_body . $key) . $key);
if ($dump) {
    print $sent_body;
    exit 0;
}

my ($done, $t0) = (0, time);
my $t = $t0;
while (1) {
    for (1 .. 16) {
        $pair->();
        $done++;
        last if $iterations && $done >= $iterations;
    }
    $t = time;
    last if $iterations ? $done >= $iterations : $t - $t0 >= $seconds;
}
my $el = $t - $t0;
printf "Net::OpenSRS %s: %d pairs in %.3f s = %.0f pairs/s "
    . "(request %d bytes, response %d bytes, XML::Simple via %s)\n",
    $Net::OpenSRS::VERSION, $done, $el, $el > 0 ? $done / $el : 0,
    length($sent_body), length($reply),
    ref(XML::SAX::ParserFactory->parser()) || 'XML::Parser';
