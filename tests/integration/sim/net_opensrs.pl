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

# after the sale: a bulk lock is not modelled and answers as an unknown
# command; lock, child hosts, name server checks, transfers away and the
# premium name search go through Net::OpenSRS's own request encoder
{
    # batch requests go to the bulk host: the sim here too
    $srs->{config}{bulkhost} = "http://$ready{listen}/";
    my $bulk = $srs->bulk_lock(['brand-new-name.com']);
    ok(defined $bulk && !$bulk
       && $srs->last_response eq '400: Invalid Command: SUBMIT',
       'SUBMIT BULK_CHANGE is an unknown command: 400');
}
sub call {
    my ($action, $object, $attrs) = @_;
    return $srs->make_request({ action => $action, object => $object,
                                attributes => $attrs }) || {};
}
my $r = call('modify', 'domain', { domain => 'brand-new-name.com',
    affect_domains => 0, data => 'status', lock_state => 1 });
ok(($r->{response_code} // 0) == 200, 'MODIFY status locks');
$r = call('get', 'domain', { domain => 'brand-new-name.com',
                             type => 'status' });
ok(($r->{attributes}{lock_state} // '') eq '1', 'GET status: lock_state 1');
$r = call('modify', 'domain', { domain => 'brand-new-name.com',
    data => 'whois_privacy_state', state => 'enable' });
ok(($r->{response_text} // '') eq 'Whois Privacy successfully enabled',
   'MODIFY whois_privacy_state enables privacy');
$r = call('create', 'nameserver', { domain => 'brand-new-name.com',
    name => 'ns1.brand-new-name.com', ipaddress => '192.0.2.10' });
ok(($r->{response_text} // '') eq 'Nameserver Created',
   'CREATE NAMESERVER: Nameserver Created');
$r = call('registry_check_nameserver', 'nameserver',
          { fqdn => 'ns1.brand-new-name.com', tld => '.com' });
ok(($r->{response_code} // 0) == 200, 'REGISTRY_CHECK_NAMESERVER: 200');
$r = call('advanced_update_nameservers', 'domain', {
    domain => 'brand-new-name.com', op_type => 'assign',
    assign_ns => ['ns1.brand-new-name.com', 'ns1.example.net'] });
ok(($r->{response_code} // 0) == 200, 'ADVANCED_UPDATE_NAMESERVERS assign');
$r = call('get', 'nameserver', { domain => 'brand-new-name.com',
                                 name => 'all' });
my $list = $r->{attributes}{nameserver_list};
$list = [$list] if ref $list eq 'HASH';
ok(ref $list eq 'ARRAY' && ($list->[0]{name} // '') eq 'ns1.brand-new-name.com'
   && ($list->[0]{can_delete} // '') eq '0',
   'GET NAMESERVER: the host, in use');
$r = call('delete', 'nameserver', { domain => 'brand-new-name.com',
                                    name => 'ns1.brand-new-name.com' });
ok(($r->{response_code} // 0) == 405, 'DELETE NAMESERVER in use: 405');
$r = call('get_transfers_away', 'domain', {});
ok(($r->{response_code} // 0) == 200 && ($r->{attributes}{total} // '') eq '0',
   'GET_TRANSFERS_AWAY: none');
$r = call('name_suggest', 'domain', { searchstring => 'bakery',
    services => ['premium'],
    service_override => { premium => { tlds => ['.com'], maximum => 2 } } });
ok(($r->{attributes}{premium}{count} // '') eq '2',
   'NAME_SUGGEST premium block honours service_override');

kill 'TERM', $pid;
waitpid($pid, 0);
ok($? == 0, 'opensrs-sim exits 0 on SIGTERM');

print "$pass passed, $fail failed\n";
exit($fail ? 1 : 0);
