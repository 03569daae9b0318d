# Loads a Vagrantfile with a recording stand-in for Vagrant's config object (no provider can run on the
# test machine) and prints the machines it defines with their private-network addresses, as JSON.
require "json"

class Recorder
  attr_reader :calls
  def initialize(machines, name = nil)
    @machines = machines
    @name = name
  end

  def define(name)
    machine = Recorder.new(@machines, name.to_s)
    @machines[name.to_s] ||= { "hostname" => nil, "addresses" => [] }
    yield machine
  end

  def network(kind, **opts)
    @machines[@name]["addresses"] << opts[:ip] if kind.to_s == "private_network"
  end

  def hostname=(value)
    @machines[@name]["hostname"] = value
  end

  def provider(*)
    yield Recorder.new({}, nil) if block_given?
  end

  def vm
    self
  end

  def method_missing(*)
    self
  end

  def respond_to_missing?(*)
    true
  end
end

module Vagrant
  def self.configure(_version)
    machines = {}
    yield Recorder.new(machines)
    puts JSON.generate(machines)
  end
end

load ARGV.fetch(0)
