#!/usr/bin/perl
# Third-party client check: the Debian Net::OpenSRS module (0.06) against a
# real opensrs-sim over plain HTTP. Usage: perl net_opensrs.pl PATH-TO-SIM
use strict;
use warnings;
use File::Temp qw(tempdir);
use POSIX qw(WNOHANG);
use Time::HiRes qw(sleep);
use Net::OpenSRS;

my $sim = shift or die "usage: $0 PATH-TO-opensrs-sim\n";
my $dir = tempdir(CLEANUP => 1);
my ($pass, $fail) = (0, 0);

sub ok {
    my ($cond, $name) = @_;
    if ($cond) { $pass++; print "ok - $name\n"; }
    else       { $fail++; print "not ok - $name\n"; }
}

my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    exec($sim, '--listen', '127.0.0.1:0', '--control', '127.0.0.1:0',
         '--reseller', 'resel:0123456789abcdef', '--ready-file', "$dir/ready",
         '--log', "$dir/log") or exit 127;
}
# the ready file is written atomically once the sockets listen
my %ready;
for (1 .. 1000) {
    if (open my $fh, '<', "$dir/ready") {
        while (<$fh>) { chomp; my ($k, $v) = split /=/, $_, 2; $ready{$k} = $v; }
        last;
    }
    die "opensrs-sim exited early\n" if waitpid($pid, WNOHANG) == $pid;
    sleep 0.01;
}
die "no ready file\n" unless $ready{listen};

my $srs = Net::OpenSRS->new;
$srs->environment('test');
$srs->set_key('0123456789abcdef');
# Net::OpenSRS signs as the manage-auth user: it is the reseller name here
$srs->set_manage_auth('resel', 'profile-pass');
$srs->{config}{test}{host} = "http://$ready{listen}/";

ok($srs->is_available('brand-new-name.com') == 1, 'is_available: free name');
ok($srs->last_response eq '210: Domain available', 'lookup answer 210');
ok($srs->is_available('taken.com') == 0, 'is_available: taken name');
ok($srs->last_response eq '211: Domain taken', 'lookup answer 211');

my $customer = {
    firstname => 'Jo', lastname => 'Doe', company => 'Acme',
    address => '1 Main St', city => 'Toronto', state => 'ON',
    zip => 'M5V 1A1', country => 'Canada', email => 'jo@example.com',
    phone => '416-555-0123',
};
{
    # Net::OpenSRS sends reg_domain undef when no master domain is set
    local $SIG{__WARN__} = sub { };
    ok($srs->register_domain('brand-new-name.com', $customer),
       'register_domain');
}
ok($srs->last_response eq '200: Registration successful',
   'registration answer 200');
ok($srs->is_available('brand-new-name.com') == 0, 'registered name is taken');

my $year = (gmtime)[5] + 1900;
ok($srs->renew_domain('brand-new-name.com', 2), 'renew_domain');
ok($srs->last_response =~ /^200: /, 'renew answer 200');
my $raw = $srs->last_response(1);
my $exp = $raw->{attributes}{registration_expiration_date} // '';
ok($exp =~ /^(\d{4})-\d\d-\d\d \d\d:\d\d:\d\d$/ && $1 == $year + 3,
   "renewal moved expiry to " . ($year + 3) . " ($exp)");
# a second identical renewal would need the old year: the sim refuses it
my $again = $srs->make_request({
    action => 'renew', object => 'domain',
    attributes => { domain => 'brand-new-name.com', auto_renew => 0,
                    handle => 'process', period => 2,
                    currentexpirationyear => $year + 1 } });
ok($again && $again->{response_code} == 555, 'repeated renewal: 555');

my $ct = $srs->check_transfer('taken.com');
ok(ref $ct eq 'HASH' && $ct->{transferrable} == 1,
   'check_transfer: taken.com is transferrable');
my $ct2 = $srs->check_transfer('brand-new-name.com');
ok(ref $ct2 eq 'HASH' && $ct2->{transferrable} == 0 && $ct2->{reason},
   'check_transfer: own domain is not transferrable');

my $exp_list = $srs->get_expiring_domains(3 * 366 + 30);
ok(ref $exp_list eq 'ARRAY' && @$exp_list == 1
   && $exp_list->[0]{name} eq 'brand-new-name.com'
   && $exp_list->[0]{f_auto_renew} eq 'N',
   'get_expiring_domains lists the registered domain');

kill 'TERM', $pid;
waitpid($pid, 0);
ok($? == 0, 'opensrs-sim exits 0 on SIGTERM');

print "$pass passed, $fail failed\n";
exit($fail ? 1 : 0);
