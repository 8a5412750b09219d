# write-test-mmdb.pl: writes the small MaxMind DBs that tests/geo/test-geo.c reads
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# usage: perl write-test-mmdb.pl Country|ASN OUT.mmdb  (Debian: libmaxmind-db-writer-perl)

use strict; use warnings;
use MaxMind::DB::Writer::Tree;
my ($kind, $out) = @ARGV;
my %types = (country => 'map', registered_country => 'map', iso_code => 'utf8_string',
  autonomous_system_number => 'uint32', autonomous_system_organization => 'utf8_string');
my $tree = MaxMind::DB::Writer::Tree->new(
  ip_version => 6, record_size => 24, database_type => "Netlens-Test-$kind",
  languages => ['en'], description => { en => 'Netlens test database' },
  map_key_type_callback => sub { $types{$_[0]} },
  remove_reserved_networks => 0, alias_ipv6_to_ipv4 => 1);
if ($kind eq 'Country') {
  $tree->insert_network('81.0.0.0/8', { country => { iso_code => 'DE' } });
  $tree->insert_network('8.8.8.0/24', { country => { iso_code => 'US' } });
  $tree->insert_network('2a01:4f8::/32', { country => { iso_code => 'DE' } });
  $tree->insert_network('10.0.0.0/8', { country => { iso_code => 'XX' } });
  $tree->insert_network('45.0.0.0/8', { registered_country => { iso_code => 'FR' } });
  # the Facebook servers of the corpus capture ndpi-KakaoTalk_chat.pcap (tests/gui)
  $tree->insert_network('31.13.64.0/18', { country => { iso_code => 'IE' } });
  $tree->insert_network('173.252.64.0/18', { country => { iso_code => 'US' } });
} else {
  $tree->insert_network('81.0.0.0/8', { autonomous_system_number => 3320, autonomous_system_organization => 'Deutsche Telekom AG' });
  $tree->insert_network('8.8.8.0/24', { autonomous_system_number => 15169, autonomous_system_organization => 'GOOGLE' });
  $tree->insert_network('2a01:4f8::/32', { autonomous_system_number => 24940, autonomous_system_organization => 'Hetzner Online GmbH' });
  $tree->insert_network('10.0.0.0/8', { autonomous_system_number => 64512, autonomous_system_organization => 'private' });
  $tree->insert_network('31.13.64.0/18', { autonomous_system_number => 32934, autonomous_system_organization => 'FACEBOOK' });
  $tree->insert_network('173.252.64.0/18', { autonomous_system_number => 32934, autonomous_system_organization => 'FACEBOOK' });
}
open my $fh, '>:raw', $out or die "$out: $!";
$tree->write_tree($fh);
close $fh or die;
